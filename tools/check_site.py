"""Open every page of the rendered docs site in headless Chromium and check that it reads right.

Serves the site (default `_site/`, made by tools/render_docs.py) from a local http.server on
127.0.0.1 and drives Debian's Chromium (/usr/bin/chromium) with Playwright. Nothing leaves the
machine: requests to other hosts are refused, except KaTeX's CDN, which is answered from Debian's
libjs-katex when it is installed, so that maths is rendered and checked offline.

For every notebook in nbs/ it checks the page nbdev names after it (`00_data.ipynb` -> `data.html`):
- the page has its title (the notebook's H1) and is listed in the sidebar, as is every other chapter;
- a chapter page shows at least one plot that loaded, and every picture on any page loaded;
- every function and class in `__all__` of the chapter's module (`#| default_exp`) has an API
  section (the heading nbdev's show_doc writes, reading its name), listed in the table of contents;
  its anchor is the one nbdev links to (no prose heading takes it); other exported names (constants) are notes;
- no cell output holds a traceback or an error;
- maths is typeset (KaTeX, no errors); code blocks have copy buttons;
- a chapter page has "Open in Colab" and "View on GitHub" links to its notebook, built from
  settings.ini (user, repo, branch); every page has the navbar's repository link, search, the
  light/dark toggle and the page footer; search finds an API entry;
- every same-site link, picture, stylesheet and script answers (no 404), and every #anchor of a
  same-site link exists on its page.
nbs/sidebar.yml must list every notebook in nbs/.
It saves a full-page screenshot of each page (and of the home page in the dark theme) into
.ci/out/site/ (gitignored) and exits 1 if any check failed.

Usage: python tools/check_site.py [--site _site] [--shots .ci/out/site]
"""
import argparse, ast, functools, os, http.server, json, mimetypes, re, socket, sys, tempfile, threading, time
from pathlib import Path
from urllib.parse import urljoin, urlsplit, unquote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools'))
from render_docs import settings, sidebar_entries   # one reading of settings.ini and the sidebar for both scripts
# Debian's Chromium by default; BLOBNN_CHROMIUM=playwright uses the browser of `playwright install chromium`
# (GitHub's Ubuntu runners, where apt's chromium is a snap), any other value is a path to a Chromium.
CHROMIUM = os.environ.get('BLOBNN_CHROMIUM') or '/usr/bin/chromium'
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run']
KATEX_CDN = 'https://cdn.jsdelivr.net/npm/katex@'
KATEX_LOCAL = Path('/usr/share/javascript/katex')   # Debian's libjs-katex
TRACEBACK = re.compile(r'Traceback \(most recent call last\)|^-{20,}\n\w+(Error|Exception)|Cell In\[\d*\], line \d+', re.M)


def page_name(nb: Path) -> str:
    "The page nbdev gives a notebook (its `output-file`): the name without its number prefix, as .html."
    return re.sub(r'^\d+[a-zA-Z0-9]*_', '', nb.name.lower()).removesuffix('.ipynb') + '.html'


def notebook_info(nb: Path) -> dict:
    "Title (the first H1), module (`#| default_exp`) and that module's `__all__`, read from the notebook and blobnn/."
    cells = json.loads(nb.read_text(encoding='utf-8'))['cells']
    src = lambda c: ''.join(c['source']) if isinstance(c['source'], list) else c['source']
    title = next((re.sub(r'[`*]', '', m.group(1)).strip() for c in cells if c['cell_type'] == 'markdown'
                  for m in [re.search(r'^#\s+(.+?)\s*$', src(c), re.M)] if m), None)
    mod = next((m.group(1) for c in cells if c['cell_type'] == 'code'
                for m in [re.search(r'^#\|\s*default_exp\s+(\S+)', src(c), re.M)] if m), None)
    names, defs = None, set()
    if mod:
        lib = settings()['lib_path']
        py = ROOT/lib/(mod.replace('.', '/') + '.py')
        if py.exists():
            for node in ast.parse(py.read_text(encoding='utf-8')).body:
                if isinstance(node, ast.Assign) and any(getattr(t, 'id', '') == '__all__' for t in node.targets):
                    names = list(ast.literal_eval(node.value))
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): defs.add(node.name)
        else: names = []
    return dict(nb=nb, page=page_name(nb), title=title, module=mod, names=names, defs=defs,
                chapter=bool(re.match(r'^\d+', nb.name)))


def sidebar_files() -> list[str]:
    "The files that nbs/sidebar.yml lists, in order."
    import yaml
    y = yaml.safe_load((ROOT/'nbs'/'sidebar.yml').read_text(encoding='utf-8')) or {}
    return sidebar_entries(((y.get('website') or {}).get('sidebar') or {}).get('contents'))


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass


def serve(folder: Path):
    "Serve `folder` on 127.0.0.1 at a free port in a thread; returns (server, base URL)."
    handler = functools.partial(Quiet, directory=str(folder))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}/'


def katex_route(route):
    "Answer a request for KaTeX's CDN from Debian's libjs-katex, or refuse it."
    path = urlsplit(route.request.url).path.split('/dist/', 1)[-1]
    f = KATEX_LOCAL/path
    if not f.exists() and path.endswith('.min.js'): f = KATEX_LOCAL/path.replace('.min.js', '.js')
    if not f.is_file(): return route.abort()
    route.fulfill(status=200, body=f.read_bytes(), content_type=mimetypes.guess_type(f.name)[0] or 'application/octet-stream')


# Everything the checks read from a page, gathered in one pass in the browser.
PAGE_JS = r"""() => {
  const q = (s, el=document) => Array.from(el.querySelectorAll(s));
  const main = document.querySelector('main') || document.body;
  const h1 = document.querySelector('#title-block-header h1, main h1');
  return {
    title: h1 ? h1.textContent.trim() : null,
    sidebar: q('#quarto-sidebar a[href]').map(a => a.href),
    toc: q('#TOC a[href]').map(a => a.getAttribute('href')),
    ids: q('[id]').map(e => e.id),
    headings: q('main h2[id], main h3[id], main h4[id]').map(h => [h.id, h.textContent.trim()]),
    images: q('main img').map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0,
                                      plot: !!i.closest('.cell-output, .cell-output-display')})),
    outputs: q('.cell-output').map(o => o.innerText),
    errors: q('.cell-output-error').length,
    math: q('.math, span.math, div.math').length,
    katex: q('.katex').length,
    katexErrors: q('.katex-error').map(e => e.textContent.slice(0, 80)),
    codeBlocks: q('main pre code').length,
    copyButtons: q('.code-copy-button').length,
    links: q('a[href]').map(a => a.href),
    assets: [...q('img[src]').map(i => i.src), ...q('link[rel=stylesheet][href]').map(l => l.href),
             ...q('script[src]').map(s => s.src)],
    navbarLinks: q('#quarto-header a[href]').map(a => a.href),
    search: !!document.querySelector('#quarto-search'),
    schemeToggle: !!document.querySelector('.quarto-color-scheme-toggle'),
    themes: q('link.quarto-color-scheme').length,
    footer: (document.querySelector('footer.footer') || {innerText: ''}).innerText.trim(),
    colab: q('a[href^="https://colab.research.google.com/"]').map(a => a.href),
    github: q('a[href^="https://github.com/"]').map(a => a.href),
  };
}"""


def check(site: Path, shots: Path) -> list[str]:
    "Run every check; returns the failures, one line each."
    from playwright.sync_api import sync_playwright
    s = settings()
    user, repo, branch = s['user'], s['repo'], s['branch']
    git_url = s['git_url'].rstrip('/')
    nbs_dir = s.get('nbs_path', 'nbs')
    notebooks = sorted(p for p in (ROOT/nbs_dir).glob('*.ipynb') if not p.name.startswith(('_', '.')))
    infos = [notebook_info(p) for p in notebooks]
    fails: list[str] = []
    notes: list[str] = []
    fail = lambda page, msg: fails.append(f'{page}: {msg}')

    listed = sidebar_files()
    for i in infos:
        if i['nb'].name not in listed: fail('nbs/sidebar.yml', f"does not list {i['nb'].name}")
    if not KATEX_LOCAL.is_dir():
        fails.append(f'{KATEX_LOCAL} is missing: install Debian\'s libjs-katex to check the maths offline')
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob('*.png'): old.unlink()

    srv, base = serve(site)
    seen_ids: dict[str, set] = {}
    wanted: list[tuple[str, str, str]] = []   # (page, target url, fragment) of same-site links
    status: dict[str, int] = {}               # same-site URL -> HTTP status seen by the browser
    try:
        with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix='blobnn-chromium-') as profile:
            ctx = pw.chromium.launch_persistent_context(
                profile, executable_path=None if CHROMIUM == 'playwright' else CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                viewport={'width': 1280, 'height': 900}, device_scale_factor=1)
            external: set[str] = set()
            def route(r):
                url = r.request.url
                if url.startswith(base) or url.startswith('data:'): return r.continue_()
                if url.startswith(KATEX_CDN) and KATEX_LOCAL.is_dir(): return katex_route(r)
                external.add(url.split('?')[0]); r.abort()
            ctx.route('**/*', route)
            ctx.on('response', lambda resp: status.__setitem__(resp.url.split('#')[0], resp.status)
                   if resp.url.startswith(base) else None)
            page = ctx.new_page()
            console_errors: list[str] = []
            page.on('pageerror', lambda e: console_errors.append(str(e)))
            for i in infos:
                name = i['page']
                url = base + name
                console_errors.clear()
                resp = page.goto(url, wait_until='load')
                if resp is None or resp.status != 200:
                    status.pop(url, None)
                    fail(name, f"not in the site (HTTP {resp.status if resp else '?'}) for {i['nb'].name}"); continue
                if i['chapter'] or name == 'index.html':
                    try: page.wait_for_function('() => !document.querySelector(".math") || document.querySelector(".katex")', timeout=5000)
                    except Exception: pass
                page.screenshot(path=str(shots/f"{name.removesuffix('.html')}.png"), full_page=True)
                d = page.evaluate(PAGE_JS)
                seen_ids[url] = set(d['ids'])
                # title and sidebar
                if i['title'] and d['title'] != i['title']:
                    fail(name, f"title is {d['title']!r}, expected {i['title']!r}")
                side = {u.split('#')[0] for u in d['sidebar']}
                for j in infos:
                    if base + j['page'] not in side: fail(name, f"sidebar does not link {j['page']} ({j['nb'].name})")
                # pictures
                bad = [im['src'][:80] for im in d['images'] if not im['ok']]
                if bad: fail(name, f"{len(bad)} picture(s) did not load: {bad[:3]}")
                if i['chapter'] and not any(im['ok'] and im['plot'] for im in d['images']):
                    fail(name, 'no plot image that loaded')
                # API sections: every exported function and class has a heading of its name, in the TOC
                by_text = {}
                for hid, text in d['headings']: by_text.setdefault(text.split('(')[0].strip(), hid)
                for sym in i['names'] or []:
                    if sym not in i['defs']:
                        notes.append(f"{name}: {i['module']}.{sym} is exported but is not a function or class: "
                                     "nbdev makes no API section for it"); continue
                    hid = by_text.get(sym)
                    if hid is None:
                        fail(name, f"no API section for {i['module']}.{sym} (a heading reading {sym!r})"); continue
                    if '#' + hid not in d['toc']:
                        fail(name, f"API section #{hid} ({sym}) is not in the table of contents")
                    if hid != sym.lower():
                        fail(name, f"the API section of {sym} is #{hid}, so nbdev's links to #{sym.lower()} "
                                   f"land on another heading with that id (rename that heading)")
                if i['module'] and i['names'] is None:
                    fail(name, f"module {i['module']} has no __all__ (run nbdev_export?)")
                # outputs
                if d['errors']: fail(name, f"{d['errors']} cell output(s) are errors")
                for o in d['outputs']:
                    if TRACEBACK.search(o): fail(name, f'a cell output holds a traceback: {o.strip()[:120]!r}'); break
                if console_errors: fail(name, f'JavaScript errors: {console_errors[:2]}')
                # maths and code
                if d['math'] and KATEX_LOCAL.is_dir() and not d['katex']: fail(name, f"{d['math']} maths element(s) not typeset")
                if d['katexErrors']: fail(name, f"KaTeX could not typeset: {d['katexErrors'][:3]}")
                if d['codeBlocks'] and not d['copyButtons']: fail(name, 'code blocks have no copy button')
                # repository, Colab, navbar, footer
                if i['chapter']:
                    path = f"{user}/{repo}/blob/{branch}/{nbs_dir}/{i['nb'].name}"
                    if f'https://colab.research.google.com/github/{path}' not in d['colab']:
                        fail(name, f'no "Open in Colab" link to github/{path}')
                    if f'https://github.com/{path}' not in d['github']:
                        fail(name, f'no "View on GitHub" link to https://github.com/{path}')
                if not any(u.rstrip('/') == git_url for u in d['navbarLinks']): fail(name, f'navbar has no link to {git_url}')
                if not d['search']: fail(name, 'no search box')
                if not (d['schemeToggle'] and d['themes'] >= 2): fail(name, 'no light/dark theme toggle')
                if not d['footer']: fail(name, 'no page footer')
                # links to check once every page is open
                for u in d['links'] + d['assets']:
                    if u.startswith(base):
                        target, _, frag = u.partition('#')
                        wanted.append((name, target, unquote(frag)))
            # search finds an API entry (smalldocs' search box; Quarto's works alike on the real site)
            page.goto(base + 'index.html', wait_until='load')
            sym = next((n for i in infos for n in (i['names'] or []) if n in i['defs']), None)
            box = page.locator('#quarto-search input')
            if sym and box.count():
                box.first.fill(sym)
                try: page.wait_for_selector('.search-result', timeout=5000)
                except Exception: fail('index.html', f'search for {sym!r} shows no result')
            # the home page in the dark theme, to look at
            page.goto(base + 'index.html', wait_until='load')
            if page.locator('.quarto-color-scheme-toggle').count():
                page.locator('.quarto-color-scheme-toggle').first.click()
                page.wait_for_timeout(300)
                page.screenshot(path=str(shots/'index-dark.png'), full_page=True)
            # same-site links and assets: status, then anchors
            checked: set[str] = set()
            for name, target, frag in wanted:
                if target not in checked:
                    checked.add(target)
                    if target not in status:
                        r = ctx.request.get(target)
                        status[target] = r.status
                    if status[target] >= 400:
                        fail(name, f'broken link: {target[len(base)-1:]} (HTTP {status[target]})')
                if frag and status.get(target, 0) < 400:
                    t = target if not target.endswith('/') else target + 'index.html'
                    if t in seen_ids and frag not in seen_ids[t]:
                        fail(name, f'broken anchor: {t[len(base)-1:]}#{frag}')
            bad = sorted(u for u, st in status.items() if st >= 400)
            for u in bad:
                if not any(f.endswith(f'(HTTP {status[u]})') and u[len(base)-1:] in f for f in fails):
                    fails.append(f'a page requested {u[len(base)-1:]}: HTTP {status[u]}')
            ctx.close()
            if external: print(f'refused {len(external)} request(s) to other hosts (offline check): {sorted(external)[:5]}', file=sys.stderr)
    finally:
        srv.shutdown(); srv.server_close()
    for n in dict.fromkeys(notes): print(f'note: {n}')
    return sorted(set(fails), key=fails.index)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--site', default='_site', help='the rendered site (default _site)')
    ap.add_argument('--shots', default='.ci/out/site', help='folder for the screenshots (default .ci/out/site)')
    a = ap.parse_args(argv)
    site, shots = (ROOT/a.site).resolve(), (ROOT/a.shots).resolve()
    if not (site/'index.html').exists():
        print(f'{site} has no index.html: run `python tools/render_docs.py` first'); return 1
    if CHROMIUM != 'playwright' and not Path(CHROMIUM).exists():
        print(f'{CHROMIUM} is missing: apt-get install -y chromium'); return 1
    t0 = time.perf_counter()
    fails = check(site, shots)
    n = len(list(shots.glob('*.png')))
    print(f'checked the site in {time.perf_counter()-t0:.1f} s; {n} screenshot(s) in {shots.relative_to(ROOT) if shots.is_relative_to(ROOT) else shots}/')
    if fails:
        print(f'{len(fails)} problem(s):'); print('\n'.join(f'  - {f}' for f in fails)); return 1
    print('site OK: every page has its title, plots, API sections, links, maths, and no errors')
    return 0


if __name__ == '__main__': sys.exit(main())
