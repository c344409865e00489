"""Render the docs site offline: nbdev's own notebook processing into `_proc/`, then smalldocs into `_site/`.

`nbdev_docs` (what the deploy workflow runs) does, in `nbdev.quarto._pre_docs` and `nbdev_docs`:
install Quarto if it is missing (and `pip install -e .[dev]`), write `nbs/nbdev.yml` from settings.ini,
rebuild `blobnn/_modidx.py`, write the sidebar unless settings.ini says `custom_sidebar`, process every
notebook with nbdev's processors into `_proc/` (API docs for exported symbols, doc links, hidden cells
removed, front matter), then `quarto render` in `_proc/`. This script calls the same nbdev functions
directly, skipping the Quarto and pip installs, and renders `_proc/` with smalldocs, a pure-Python
renderer that reads the same `_quarto.yml`. Two differences from Quarto are bridged here, in memory:
pages are written to the `output-file` that nbdev gives them (`00_data.ipynb` -> `data.html`, as
Quarto does), and links into the published site (nbdev's doc links) point at the local pages.
Chapters listed in `nbs/sidebar.yml` whose notebook does not exist yet are left out of the sidebar.

Usage: python tools/render_docs.py [--out DIR] [--force] [--workers N] [--skip NOTEBOOK ...] [--quiet]
Preview: python -m http.server -d _site 8000, then open http://127.0.0.1:8000
"""
import argparse, os, posixpath, re, sys, time
from configparser import ConfigParser
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
# smalldocs warnings about what this script bridges (output-file), or about Quarto-only options
IGNORED = re.compile(r'output-file is not read|format commonmark is not built|keep-md is ignored')


def settings() -> dict:
    "settings.ini's [DEFAULT] section, with its %(...)s references filled in."
    cfg = ConfigParser(delimiters=['=']); cfg.read(ROOT/'settings.ini', encoding='utf-8')
    return dict(cfg['DEFAULT'])


def site_url(s: dict) -> str:
    "The published site's base URL, as nbdev builds it: doc_host + doc_baseurl."
    return (s['doc_host'].rstrip('/') + '/' + s['doc_baseurl'].strip('/')).rstrip('/')


def sidebar_entries(contents: list) -> list[str]:
    "Every local file named in a sidebar `contents` list, sections included (links to other sites left out)."
    out = []
    for e in contents or []:
        if isinstance(e, str): out.append(e)
        elif isinstance(e, dict):
            for k in ('href', 'file'):
                if isinstance(e.get(k), str): out.append(e[k])
            out += sidebar_entries(e.get('contents'))
    return [f for f in out if '://' not in f]


def prune_sidebar(contents: list, exists) -> list:
    "The sidebar `contents` without the files that do not exist (yet), and without sections left empty."
    out = []
    for e in contents or []:
        if isinstance(e, str):
            if '://' in e or exists(e): out.append(e)
        elif isinstance(e, dict):
            e = dict(e)
            if 'contents' in e: e['contents'] = prune_sidebar(e['contents'], exists)
            href = e.get('href') or e.get('file')
            if isinstance(href, str) and '://' not in href and not exists(href): continue
            if 'contents' in e and not e['contents'] and not href: continue
            out.append(e)
    return out


def check_repo_links(web: dict, s: dict):
    "Stop when a repository link written in _quarto.yml is not settings.ini's git_url (a fork must change both)."
    git_url = s['git_url'].rstrip('/')
    for t in ((web.get('navbar') or {}).get('tools') or []):
        href = str((t or {}).get('href') or '')
        if href.startswith('https://github.com/') and href.rstrip('/') != git_url:
            sys.exit(f"nbs/_quarto.yml: the navbar links {href}, but settings.ini's git_url is {git_url}: "
                     "change website.navbar.tools in nbs/_quarto.yml to match")


def process_notebooks(force: bool, workers: int, skip: list[str]) -> Path:
    "What `nbdev_docs` does before `quarto render`, minus the installs: returns the `_proc` folder."
    from nbdev.config import get_config
    from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
    from nbdev.serve import proc_nbs
    import nbdev.doclinks
    cfg = get_config()
    nbs = cfg.nbs_path
    refresh_quarto_yml()                       # nbs/nbdev.yml from settings.ini (and _quarto.yml if missing)
    nbdev.doclinks._build_modidx()             # blobnn/_modidx.py: what the doc links point at
    nbdev_sidebar.__wrapped__(path=nbs)        # a no-op while settings.ini has custom_sidebar = True
    kw = {'skip_file_re': '|'.join(['^[_.]'] + [re.escape(n) + '$' for n in skip])} if skip else {}
    try: cache = proc_nbs(nbs, n_workers=workers, force=force, **kw)
    except Exception as e:
        cause = f'\n{type(e.__cause__).__name__}: {e.__cause__}' if e.__cause__ else ''
        sys.exit(f'nbdev could not process the notebooks (nbdev_docs would stop here too): {e}{cause}')
    # proc_nbs only adds and updates: drop pages whose notebook is gone (a renamed chapter)
    for p in list(cache.glob('*.ipynb')):
        if not (nbs/p.name).exists() or p.name in skip: p.unlink()
    return cache


def build_site(proc: Path, out: Path, quiet: bool):
    "Render `_proc/` into `out` with smalldocs, honouring nbdev's `output-file` and pointing doc links at local pages."
    from smalldocs.config import load
    from smalldocs.site import Site, rel

    s = settings()
    base = site_url(s) + '/'
    project = load(proc)
    web = project.config.setdefault('website', {})
    check_repo_links(web, s)
    bar = web.get('sidebar') or {}
    listed = sidebar_entries(bar.get('contents'))
    missing = [e for e in listed if not (proc/e).exists()]
    if missing:
        print(f"note: not written yet, left out of the sidebar: {', '.join(missing)}", file=sys.stderr)
        bar['contents'] = prune_sidebar(bar.get('contents'), lambda f: (proc/f).exists())
    project.config.setdefault('project', {})['output-dir'] = str(out)

    class NbdevSite(Site):
        "smalldocs' Site, writing each page to its `output-file` and keeping links to the published site local."
        def read(self, src):
            page = super().read(src)
            of = page.front.get('output-file')
            if of: page.out = PurePosixPath(posixpath.join(str(src.parent), str(of)))
            return page

        def resolve(self, href, page, record=True):
            if href and href.startswith(base):
                path, _, tail = href[len(base):].partition('#')
                target = next((p for p in self.pages.values() if str(p.out) == (path or 'index.html')), None)
                if target is not None: return rel(target.out, page) + (f'#{tail}' if tail else '')
                if record: self.broken.append((str(page.src) if page else project.file, href))
                return href
            return super().resolve(href, page, record)

    site = NbdevSite(project, quiet=quiet)
    n = site.build()
    return site, n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default='_site', help='folder for the rendered site (default _site, relative to the repo)')
    ap.add_argument('--force', action='store_true', help='process every notebook again, ignoring the _proc cache')
    ap.add_argument('--workers', type=int, default=os.cpu_count() or 1, help='notebook processing workers')
    ap.add_argument('--skip', nargs='*', default=[], metavar='NOTEBOOK',
                    help='leave these notebooks out (e.g. a chapter being written that does not run yet)')
    ap.add_argument('--quiet', action='store_true', help='print only warnings and the summary')
    a = ap.parse_args(argv)
    os.chdir(ROOT)
    t0 = time.perf_counter()
    proc = process_notebooks(a.force, a.workers, a.skip)
    t1 = time.perf_counter()
    out = (ROOT/a.out).resolve()
    site, n = build_site(proc, out, a.quiet)
    t2 = time.perf_counter()
    for w in site.warnings:
        if not IGNORED.search(w): print(f'smalldocs: {w}', file=sys.stderr)
    print(f'processed notebooks into {proc.relative_to(ROOT)}/ in {t1-t0:.1f} s; '
          f'rendered {n} pages into {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}/ in {t2-t1:.1f} s')
    return 0


if __name__ == '__main__': sys.exit(main())
