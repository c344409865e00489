"""Open every page of the rendered docs site in headless Chromium and check that it reads right.

Checks either render of the site with the same list of checks, adapting only the selectors:
- Quarto's (`nbdev_docs` -> `_docs/`, what the deploy workflow publishes): API sections are
  `<section id=...>` around a heading, maths is MathJax 3 from a CDN, search is Quarto's overlay;
- smalldocs' (tools/render_docs.py -> `_site/`, the offline stand-in): API headings carry the id,
  maths is KaTeX from a CDN, search is smalldocs' box.
Which one it is comes from the pages' `<meta name="generator">` (or --render).

Serves the site from a local http.server on 127.0.0.1 and drives Debian's Chromium (/usr/bin/chromium)
with Playwright. Nothing leaves the machine: requests to other hosts are refused, except the maths
CDNs, answered from local copies so that the maths is really typeset and checked offline: KaTeX from
Debian's libjs-katex (/usr/share/javascript/katex), MathJax 3 from the npm package mathjax@3
(`npm install --prefix .cache/mathjax mathjax@3`, or BLOBNN_MATHJAX=<its folder>).

For every notebook in nbs/ it checks the page nbdev names after it (`00_data.ipynb` -> `data.html`):
- the page has its title (the notebook's H1) and is listed in the sidebar, as is every other chapter;
- a chapter page shows at least one plot that loaded, and every picture on any page loaded;
- every function and class in `__all__` of the chapter's module (`#| default_exp`) has an API
  section (the heading nbdev's show_doc writes, reading its name), listed in the table of contents;
  its anchor is the one nbdev links to (no prose heading takes it); other exported names (constants) are notes;
- no cell output holds a traceback or an error;
- maths is typeset: every maths element was typeset by the render's engine, with no error, and no raw
  TeX delimiters are left in the text; code blocks have copy buttons;
- a chapter page has "Open in Colab" and "View on GitHub" links to its notebook, built from
  settings.ini (user, repo, branch); every page has the navbar's repository link, search, the
  light/dark toggle and the page footer; searching for a chapter's first API name finds its page;
- every same-site link, picture, stylesheet and script answers (no 404), and every #anchor of a
  same-site link exists on its page; links to the published site (nbdev's doc links, settings.ini's
  doc_host + doc_baseurl) count as same-site links.
nbs/sidebar.yml must list every notebook in nbs/.
With --axe it also runs axe-core (npm axe-core@4) on every page with the WCAG 2 A and AA rules (tags wcag2a,
wcag2aa) and fails on every violated rule, naming its impact, how many elements fail and the first one, then
prints the violations of the whole site per rule. axe-core is read from .cache/axe (gitignored:
`npm install --no-audit --no-fund --prefix .cache/axe axe-core@4`) or BLOBNN_AXE=<its folder>. It is off by
default until every figure has its alt text (`#| fig-alt:`); .ci/docs.sh turns it on with BLOBNN_AXE_CHECK=on.
It saves a full-page screenshot of each page (and of the home page in the dark theme) into
.ci/out/site/ (gitignored) and exits 1 if any check failed.

The expectations (notebooks, titles, modules, sidebar.yml, settings.ini) come from the working tree,
or with --ref from a commit of this repository: to check a site rendered from an older commit (a
stored render), pass that commit, e.g. `--ref e9dca6c`.

With --self-test it checks a copy of the site with one planted fault per kind of check (an API
heading removed, plots deleted, a wrong title, a formula that cannot be typeset, raw TeX, a traceback,
a sidebar link gone, a broken anchor, no search index; with --axe also a picture without alt text) and
passes only if every fault is reported.

Usage: python tools/check_site.py [--site _site] [--shots .ci/out/site] [--render auto|quarto|smalldocs]
                                  [--ref COMMIT] [--axe] [--self-test]
"""
import argparse, ast, functools, os, http.server, json, mimetypes, re, subprocess, sys, tempfile, threading, time
from configparser import ConfigParser
from pathlib import Path
from urllib.parse import urlsplit, unquote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools'))
from render_docs import site_url, sidebar_entries   # one reading of the sidebar for both scripts
# Debian's Chromium by default; BLOBNN_CHROMIUM=playwright uses the browser of `playwright install chromium`
# (GitHub's Ubuntu runners, where apt's chromium is a snap), any other value is a path to a Chromium.
CHROMIUM = os.environ.get('BLOBNN_CHROMIUM') or '/usr/bin/chromium'
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run']
KATEX_CDN = 'https://cdn.jsdelivr.net/npm/katex@'
KATEX_LOCAL = Path('/usr/share/javascript/katex')   # Debian's libjs-katex
MATHJAX_CDN = re.compile(r'^https://cdn\.jsdelivr\.net/npm/mathjax@3[^/]*/')
MATHJAX_LOCAL = Path(os.environ.get('BLOBNN_MATHJAX') or ROOT/'.cache'/'mathjax'/'node_modules'/'mathjax')
MATHJAX_INSTALL = 'npm install --prefix .cache/mathjax mathjax@3'
# axe-core (npm axe-core@4), the accessibility engine: injected into each page with --axe
AXE_LOCAL = Path(os.environ.get('BLOBNN_AXE') or ROOT/'.cache'/'axe'/'node_modules'/'axe-core')
AXE_INSTALL = 'npm install --no-audit --no-fund --prefix .cache/axe axe-core@4'
AXE_TAGS = ['wcag2a', 'wcag2aa']   # the WCAG 2.0 level A and AA rules
TRACEBACK = re.compile(r'Traceback \(most recent call last\)|^-{20,}\n\w+(Error|Exception)|Cell In\[\d*\], line \d+', re.M)
# TeX that a maths engine should have typeset: \( \) \[ \] or $$, or $x$ written with a TeX command inside
RAW_TEX = re.compile(r'\\\(|\\\)|\\\[|\\\]|\$\$|\$[^$\s][^$\n]*\\[a-zA-Z]+[^$\n]*\$')

# What differs between the two renders: selectors, the maths engine, how search is driven. Nothing else.
RENDERS = {
    'smalldocs': dict(
        # an error is a .katex-error, or (throwOnError: false) an undefined macro written in KaTeX's error colour
        engine='KaTeX', typeset='.katex', math_error='.katex-error, .katex-mathml mstyle[mathcolor="#cc0000"] > mtext',
        # smalldocs writes the id on the heading itself: <h3 id="make_blobs">
        headings='main h2[id], main h3[id], main h4[id]', heading_id='self',
        search_open=None, search_input='#quarto-search input', search_results='a.search-result[href]'),
    'quarto': dict(
        # an error is an merror node, or (noundefined, in tex-chtml-full) an undefined macro written in red
        engine='MathJax', typeset='mjx-container',
        math_error='mjx-merror, [data-mjx-error], mjx-assistive-mml mtext[mathcolor="red"]',
        # Quarto puts the id on the enclosing <section id="make_blobs" class="level3"> around <h3 class="anchored">
        headings='main section[id] > h2, main section[id] > h3, main section[id] > h4', heading_id='section',
        search_open='#quarto-search .aa-DetachedSearchButton', search_input='.aa-Input',
        search_results='.aa-Panel a[href], .aa-DetachedOverlay a[href]'),
}


def detect_render(site: Path) -> str | None:
    "'quarto' or 'smalldocs', from the generator meta tag of the site's home page; None when it says neither."
    html = (site/'index.html').read_text(encoding='utf-8', errors='replace')
    m = re.search(r'<meta\s+name="generator"\s+content="([^"]*)"', html)
    gen = (m.group(1) if m else '').lower()
    return next((r for r in RENDERS if gen.startswith(r)), None)


class Repo:
    "The repository's files as the checks read them: the working tree, or one commit (`ref`) through git."
    def __init__(self, ref: str | None = None):
        self.ref = None
        if ref:
            r = subprocess.run(['git', '-C', str(ROOT), 'rev-parse', '--verify', '--quiet', f'{ref}^{{commit}}'],
                               capture_output=True, text=True)
            if r.returncode: raise SystemExit(f'--ref {ref}: not a commit of this repository')
            self.ref = r.stdout.strip()

    def read(self, path: str) -> str | None:
        "The text of `path` (relative to the repository root), or None if it is not there."
        if self.ref is None:
            p = ROOT/path
            return p.read_text(encoding='utf-8') if p.is_file() else None
        r = subprocess.run(['git', '-C', str(ROOT), 'show', f'{self.ref}:{path}'], capture_output=True)
        return r.stdout.decode('utf-8') if r.returncode == 0 else None

    def files(self, folder: str) -> list[str]:
        "The names of the files directly in `folder`, sorted."
        if self.ref is None: return sorted(p.name for p in (ROOT/folder).iterdir() if p.is_file())
        r = subprocess.run(['git', '-C', str(ROOT), 'ls-tree', '--name-only', f'{self.ref}:{folder}'],
                           capture_output=True, text=True)
        return sorted(r.stdout.split()) if r.returncode == 0 else []

    def settings(self) -> dict:
        "settings.ini's [DEFAULT] section, with its %(...)s references filled in."
        cfg = ConfigParser(delimiters=['=']); cfg.read_string(self.read('settings.ini') or '')
        return dict(cfg['DEFAULT'])

    def __str__(self): return f'commit {self.ref[:10]}' if self.ref else 'the working tree'


def page_name(nb: str) -> str:
    "The page nbdev gives a notebook (its `output-file`): the name without its number prefix, as .html."
    return re.sub(r'^\d+[a-zA-Z0-9]*_', '', nb.lower()).removesuffix('.ipynb') + '.html'


def notebook_info(nb: str, repo: Repo, s: dict) -> dict:
    "Title (the first H1), module (`#| default_exp`) and that module's `__all__`, read from the notebook and the library."
    nbs = s.get('nbs_path', 'nbs')
    cells = json.loads(repo.read(f'{nbs}/{nb}'))['cells']
    src = lambda c: ''.join(c['source']) if isinstance(c['source'], list) else c['source']
    title = next((re.sub(r'[`*]', '', m.group(1)).strip() for c in cells if c['cell_type'] == 'markdown'
                  for m in [re.search(r'^#\s+(.+?)\s*$', src(c), re.M)] if m), None)
    mod = next((m.group(1) for c in cells if c['cell_type'] == 'code'
                for m in [re.search(r'^#\|\s*default_exp\s+(\S+)', src(c), re.M)] if m), None)
    names, defs = None, set()
    if mod:
        text = repo.read(f"{s['lib_path']}/{mod.replace('.', '/')}.py")
        if text is not None:
            for node in ast.parse(text).body:
                if isinstance(node, ast.Assign) and any(getattr(t, 'id', '') == '__all__' for t in node.targets):
                    names = list(ast.literal_eval(node.value))
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): defs.add(node.name)
        else: names = []
    plots = any('image/png' in o.get('data', {}) or 'image/svg+xml' in o.get('data', {})
                for c in cells if c['cell_type'] == 'code' for o in c.get('outputs', []))
    return dict(nb=nb, page=page_name(nb), title=title, module=mod, names=names, defs=defs,
                chapter=bool(re.match(r'^\d+', nb)), plots=plots)   # plots: the notebook stores a figure, so its page must show one


def sidebar_files(repo: Repo, s: dict) -> list[str]:
    "The files that nbs/sidebar.yml lists, in order."
    import yaml
    y = yaml.safe_load(repo.read(f"{s.get('nbs_path', 'nbs')}/sidebar.yml") or '') or {}
    return sidebar_entries(((y.get('website') or {}).get('sidebar') or {}).get('contents'))


def maths_problem(render: str) -> str | None:
    "Why the maths engine of `render` cannot be answered locally (so the maths cannot be checked), or None."
    if render == 'smalldocs':
        return None if KATEX_LOCAL.is_dir() else \
            f"{KATEX_LOCAL} is missing: install Debian's libjs-katex (apt-get install libjs-katex) to check the maths offline"
    pkg = MATHJAX_LOCAL/'package.json'
    if not (MATHJAX_LOCAL/'es5'/'tex-chtml-full.js').is_file() or not pkg.is_file():
        return (f'MathJax 3 is missing at {MATHJAX_LOCAL} (Quarto\'s pages load it from a CDN; offline it is answered '
                f'from the npm package): run `{MATHJAX_INSTALL}` in the repository, or set BLOBNN_MATHJAX to a mathjax@3 folder')
    version = json.loads(pkg.read_text(encoding='utf-8')).get('version', '?')
    if not version.startswith('3.'):
        return f'{MATHJAX_LOCAL} holds mathjax {version}, not 3.x: run `{MATHJAX_INSTALL}`'
    return None


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass


def serve(folder: Path):
    "Serve `folder` on 127.0.0.1 at a free port in a thread; returns (server, base URL)."
    handler = functools.partial(Quiet, directory=str(folder))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}/'


def fulfill_file(route, f: Path):
    "Answer a request with a local file, or refuse it when there is no such file."
    if not f.is_file(): return route.abort()
    route.fulfill(status=200, body=f.read_bytes(), content_type=mimetypes.guess_type(f.name)[0] or 'application/octet-stream')


def katex_route(route):
    "Answer a request for KaTeX's CDN from Debian's libjs-katex, or refuse it."
    path = urlsplit(route.request.url).path.split('/dist/', 1)[-1]
    f = KATEX_LOCAL/path
    if not f.exists() and path.endswith('.min.js'): f = KATEX_LOCAL/path.replace('.min.js', '.js')
    fulfill_file(route, f)


def mathjax_route(route):
    "Answer a request for MathJax 3's CDN (the script, then its fonts and extensions) from the npm package."
    path = MATHJAX_CDN.sub('', route.request.url.split('?')[0].split('#')[0])
    fulfill_file(route, MATHJAX_LOCAL/unquote(path))


# Everything the checks read from a page, gathered in one pass in the browser. `r` holds the render's selectors.
PAGE_JS = r"""(r) => {
  const q = (s, el=document) => Array.from(el.querySelectorAll(s));
  const main = document.querySelector('main') || document.body;
  const h1 = document.querySelector('#title-block-header h1, main h1');
  // text a reader sees as prose: no code, no typeset maths, no maths left to typeset (counted apart)
  const prose = main.cloneNode(true);
  prose.querySelectorAll('pre, code, script, style, .math, .katex, mjx-container, .cell-output').forEach(e => e.remove());
  const maths = q('.math');
  return {
    title: h1 ? h1.textContent.trim() : null,
    sidebar: q('#quarto-sidebar a[href]').map(a => a.href),
    // Quarto's script rewrites every link to an absolute URL: read the TOC's anchors on this page
    toc: q('#TOC a[href]').filter(a => a.pathname === location.pathname).map(a => decodeURIComponent(a.hash)),
    ids: q('[id]').map(e => e.id),
    headings: q(r.headings).map(h => [r.heading_id === 'section' ? h.parentElement.id : h.id, h.textContent.trim()]),
    images: q('main img').map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0,
                                      plot: !!i.closest('.cell-output, .cell-output-display')})),
    outputs: q('.cell-output').map(o => o.innerText),
    errors: q('.cell-output-error').length,
    math: maths.length,
    untypeset: maths.filter(m => !m.querySelector(r.typeset)).map(m => m.textContent.slice(0, 60)),
    mathErrors: q(r.math_error).map(e => (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 80)),
    rawTex: (prose.textContent.match(new RegExp(r.raw_tex, 'g')) || []).slice(0, 3),
    codeBlocks: q('main pre code').length,
    copyButtons: q('.code-copy-button').length,
    links: q('a[href]').map(a => a.dataset.originalHref || a.href),
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
TYPESET_JS = "(sel) => Array.from(document.querySelectorAll('.math')).every(m => m.querySelector(sel))"
# axe-core's WCAG 2 A/AA rules on the whole page; per violated rule: impact, how many elements, the first one
AXE_JS = r"""async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return r.violations.map(v => ({rule: v.id, impact: v.impact, help: v.help, n: v.nodes.length,
    target: v.nodes[0] ? v.nodes[0].target.join(' ').slice(0, 100) : '',
    html: v.nodes[0] ? v.nodes[0].html.replace(/\s+/g, ' ').slice(0, 120) : ''}));
}"""


def axe_problem() -> str | None:
    "Why axe-core cannot be injected into the pages, or None."
    pkg = AXE_LOCAL/'package.json'
    if not (AXE_LOCAL/'axe.min.js').is_file() or not pkg.is_file():
        return (f'axe-core is missing at {AXE_LOCAL}: run `{AXE_INSTALL}` in the repository, '
                'or set BLOBNN_AXE to an axe-core@4 folder')
    version = json.loads(pkg.read_text(encoding='utf-8')).get('version', '?')
    if not version.startswith('4.'):
        return f'{AXE_LOCAL} holds axe-core {version}, not 4.x: run `{AXE_INSTALL}`'
    return None


def axe_table(found: list[tuple[str, dict]]) -> str:
    "The violations of every page added up per rule, as a Markdown table (rule, impact, elements, pages)."
    rules: dict[str, dict] = {}
    for page, v in found:
        r = rules.setdefault(v['rule'], dict(impact=v['impact'], n=0, pages=set()))
        r['n'] += v['n']; r['pages'].add(page)
    rows = sorted(rules.items(), key=lambda kv: -kv[1]['n'])
    total = sum(r['n'] for r in rules.values())
    return '\n'.join(['| rule | impact | elements | pages |', '|---|---|---:|---:|',
                      *(f"| `{k}` | {r['impact']} | {r['n']} | {len(r['pages'])} |" for k, r in rows),
                      f"| all | | {total} | {len({p for p, _ in found})} |"])


def check(site: Path, shots: Path, render: str, repo: Repo, axe: bool = False) -> list[str]:
    "Run every check (and axe-core's WCAG 2 A/AA rules when `axe`); returns the failures, one line each."
    from playwright.sync_api import sync_playwright
    R = dict(RENDERS[render], raw_tex=RAW_TEX.pattern)
    s = repo.settings()
    user, repo_name, branch = s['user'], s['repo'], s['branch']
    git_url = s['git_url'].rstrip('/')
    published = site_url(s) + '/'     # nbdev's doc links point at the published site
    nbs_dir = s.get('nbs_path', 'nbs')
    notebooks = [n for n in repo.files(nbs_dir) if n.endswith('.ipynb') and not n.startswith(('_', '.'))]
    infos = [notebook_info(n, repo, s) for n in notebooks]
    fails: list[str] = []
    notes: list[str] = []
    fail = lambda page, msg: fails.append(f'{page}: {msg}')
    axe_found: list[tuple[str, dict]] = []    # (page, violation) from axe-core

    listed = sidebar_files(repo, s)
    for i in infos:
        if i['nb'] not in listed: fail(f'{nbs_dir}/sidebar.yml', f"does not list {i['nb']}")
    shots.mkdir(parents=True, exist_ok=True)
    for old in shots.glob('*.png'): old.unlink()

    srv, base = serve(site)
    def local(u: str) -> str | None:
        "The local URL of a same-site link or asset (index.html spelled out), or None for another site."
        if u.startswith(published): u = base + u[len(published):]
        if not u.startswith(base): return None
        path, hash_, frag = u.partition('#')
        path = path.split('?')[0]
        if path.endswith('/'): path += 'index.html'
        return path + hash_ + frag
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
                if MATHJAX_CDN.match(url) and render == 'quarto': return mathjax_route(r)
                external.add(url.split('?')[0]); r.abort()
            ctx.route('**/*', route)
            ctx.on('response', lambda resp: status.__setitem__(local(resp.url).split('#')[0], resp.status)
                   if local(resp.url) else None)
            page = ctx.new_page()
            def run_axe(name: str):
                "axe-core's WCAG 2 A and AA rules on the open page: every violated rule is a failure."
                try:
                    page.add_script_tag(path=str(AXE_LOCAL/'axe.min.js'))
                    violations = page.evaluate(AXE_JS, AXE_TAGS)
                except Exception as e:
                    fail(name, f'axe-core could not run: {type(e).__name__}: {str(e)[:200]}'); return
                for v in violations:
                    axe_found.append((name, v))
                    fail(name, f"axe {v['rule']} ({v['impact']}) at {v['target']} ({v['n']} element(s) in all, "
                               f"the first shown): {v['html']} -- {v['help']}")
            console_errors: list[str] = []
            page.on('pageerror', lambda e: console_errors.append(str(e)))
            for i in infos:
                name = i['page']
                url = base + name
                console_errors.clear()
                resp = page.goto(url, wait_until='load')
                if resp is None or resp.status != 200:
                    status.pop(url, None)
                    fail(name, f"not in the site (HTTP {resp.status if resp else '?'}) for {i['nb']}"); continue
                try: page.wait_for_function(TYPESET_JS, arg=R['typeset'], timeout=20000)
                except Exception: pass   # reported below, element by element
                page.screenshot(path=str(shots/f"{name.removesuffix('.html')}.png"), full_page=True)
                d = page.evaluate(PAGE_JS, R)
                seen_ids[url] = set(d['ids'])
                # accessibility: axe-core's WCAG 2 A and AA rules, every violated rule a failure
                if axe: run_axe(name)
                # title and sidebar
                if i['title'] and d['title'] != i['title']:
                    fail(name, f"title is {d['title']!r}, expected {i['title']!r}")
                side = {(local(u) or u).split('#')[0] for u in d['sidebar']}
                for j in infos:
                    if base + j['page'] not in side: fail(name, f"sidebar does not link {j['page']} ({j['nb']})")
                # pictures
                bad = [im['src'][:80] for im in d['images'] if not im['ok']]
                if bad: fail(name, f"{len(bad)} picture(s) did not load: {bad[:3]}")
                if i['chapter'] and i['plots'] and not any(im['ok'] and im['plot'] for im in d['images']):
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
                if d['untypeset']:
                    fail(name, f"{len(d['untypeset'])} of {d['math']} maths element(s) not typeset by {R['engine']}: "
                               f"{d['untypeset'][:2]}")
                if d['mathErrors']: fail(name, f"{R['engine']} could not typeset: {d['mathErrors'][:3]}")
                if d['rawTex']: fail(name, f"raw TeX left in the text (not marked as maths): {d['rawTex']}")
                if d['codeBlocks'] and not d['copyButtons']: fail(name, 'code blocks have no copy button')
                # repository, Colab, navbar, footer
                if i['chapter']:
                    path = f"{user}/{repo_name}/blob/{branch}/{nbs_dir}/{i['nb']}"
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
                    if (lu := local(u)):
                        target, _, frag = lu.partition('#')
                        wanted.append((name, target, unquote(frag)))
            # search: the first API name of each chapter finds that chapter's page
            for i in infos:
                sym = next((n for n in (i['names'] or []) if n in i['defs']), None)
                if not sym or base + i['page'] not in seen_ids: continue
                page.goto(base + 'index.html', wait_until='load')
                try:
                    if R['search_open']: page.locator(R['search_open']).first.click(timeout=5000)
                    page.locator(R['search_input']).first.fill(sym, timeout=5000)
                    page.wait_for_selector(R['search_results'], timeout=5000)
                    page.wait_for_timeout(300)
                    hits = {(local(u) or u).split('#')[0] for u in
                            page.eval_on_selector_all(R['search_results'], 'els => els.map(a => a.href)')}
                    if base + i['page'] not in hits:
                        fail(i['page'], f"search for {sym!r} does not find {i['page']} (found {sorted(h.removeprefix(base) for h in hits)[:4]})")
                except Exception as e:
                    fail(i['page'], f"search for {sym!r} shows no result ({type(e).__name__})")
            # the home page in the dark theme, to look at
            page.goto(base + 'index.html', wait_until='load')
            if page.locator('.quarto-color-scheme-toggle').count():
                page.locator('.quarto-color-scheme-toggle').first.click()
                page.wait_for_timeout(300)
                page.screenshot(path=str(shots/'index-dark.png'), full_page=True)
                if axe: run_axe('index.html (dark theme)')
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
                    if target in seen_ids and frag not in seen_ids[target]:
                        fail(name, f'broken anchor: {target[len(base)-1:]}#{frag}')
            bad = sorted(u for u, st in status.items() if st >= 400)
            for u in bad:
                if not any(f.endswith(f'(HTTP {status[u]})') and u[len(base)-1:] in f for f in fails):
                    fails.append(f'a page requested {u[len(base)-1:]}: HTTP {status[u]}')
            ctx.close()
            if external: print(f'refused {len(external)} request(s) to other hosts (offline check): {sorted(external)[:5]}', file=sys.stderr)
    finally:
        srv.shutdown(); srv.server_close()
    for n in dict.fromkeys(notes): print(f'note: {n}')
    if axe:
        print(f'axe-core {axe_version()} (WCAG 2 A/AA rules) on {len(seen_ids)} page(s), and the home page in the dark theme: '
              + (f'{sum(v["n"] for _, v in axe_found)} failing element(s)\n{axe_table(axe_found)}' if axe_found else 'no violation'))
    return sorted(set(fails), key=fails.index)


def axe_version() -> str:
    return json.loads((AXE_LOCAL/'package.json').read_text(encoding='utf-8')).get('version', '?')


def plant_faults(site: Path, dst: Path, infos: list[dict], axe: bool = False) -> list[tuple[str, str]]:
    """Copy `site` to `dst` with one known fault per kind of check, in HTML either renderer writes.
    Returns (page, words its failure must contain) for each fault: the checks must find every one."""
    import shutil
    shutil.copytree(site, dst)
    chapters = [i for i in infos if i['chapter'] and (dst/i['page']).is_file()]
    if len(chapters) < 2: raise SystemExit(f'--self-test needs at least two chapter pages in {site}')
    ch = lambda k: chapters[k % len(chapters)]
    planted: list[tuple[str, str]] = []
    def edit(page: str, pattern: str, repl, expect: str, flags=re.S):
        f = dst/page
        text, n = re.subn(pattern, repl, f.read_text(encoding='utf-8'), count=1, flags=flags)
        if n != 1: raise SystemExit(f'--self-test could not plant a fault in {page}: no match for {pattern[:60]!r}')
        f.write_text(text, encoding='utf-8'); planted.append((page, expect))
    # an API section loses its heading
    a = next(i for i in chapters if any(n in i['defs'] for n in i['names'] or []))
    sym = next(n for n in a['names'] if n in a['defs'])
    edit(a['page'], rf'<h([234])[^>]*>{re.escape(sym)}</h\1>', '', f"no API section for {a['module']}.{sym}")
    # a chapter's plots are gone: image files deleted (Quarto), images written in the page corrupted (smalldocs)
    b = ch(1)
    f = dst/b['page']
    text = f.read_text(encoding='utf-8')
    for src in re.findall(r'<img[^>]*\bsrc="([^"#?:]+)"', text):
        (dst/unquote(src)).unlink(missing_ok=True)
    f.write_text(re.sub(r'(<img[^>]*\bsrc=")data:image/[^"]*"', r'\1data:image/png;base64,bm90IGEgcGljdHVyZQ=="', text), encoding='utf-8')
    planted.append((b['page'], 'no plot image that loaded'))
    # a wrong title
    edit(b['page'], r'(<h1 class="title">).*?(</h1>)', r'\1A planted wrong title\2', 'title is ')
    # a formula the maths engine cannot typeset, and TeX that was never marked as maths
    c = ch(2)
    edit(c['page'], r'(<span class="math inline">\\\()', r'\1\\undefinedmacro ', 'typeset')
    edit(c['page'], r'(<main[^>]*>.*?<p>)', r'\1Here $\\alpha + \\beta = $ is left as raw TeX. ', 'raw TeX')
    # a cell output holds a traceback
    d = ch(3)
    edit(d['page'], r'(<div class="cell-output[^"]*">\s*<pre[^>]*><code[^>]*>)',
         r'\1Traceback (most recent call last):\n  File "x.py", line 1\nValueError: planted\n', 'traceback')
    # the sidebar of one page lost the link to another chapter
    e, other = ch(4), next(i for i in chapters if i is not ch(4))
    edit(e['page'], rf'(<nav id="quarto-sidebar".*?href="(?:\./)?){re.escape(other["page"])}"', r'\1gone.html"',
         f"sidebar does not link {other['page']}")
    # a link to an anchor that does not exist
    edit('index.html', r'(<main[^>]*>)', rf'\1<p><a href="{a["page"]}#no-such-anchor">a planted link</a></p>',
         f"broken anchor: /{a['page']}#no-such-anchor")
    # search has no index
    (dst/'search.json').unlink(missing_ok=True); planted.append((a['page'], 'search for'))
    # an accessibility fault for axe-core: a picture (one that loads) without alt text, the first element of the
    # page so that it is the example the failure names even on a page with other pictures lacking alt text
    if axe:
        edit('index.html', r'(<body[^>]*>)', r'\1<img id="planted-no-alt" src="data:image/gif;base64,'
             r'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7" width="8" height="8">',
             'axe image-alt (critical) at #planted-no-alt ')
    return planted


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--site', default='_site', help="the rendered site (default _site; Quarto's is _docs)")
    ap.add_argument('--shots', default='.ci/out/site', help='folder for the screenshots (default .ci/out/site)')
    ap.add_argument('--render', choices=['auto', *RENDERS], default='auto',
                    help="which renderer made the site (default: read from the pages' generator tag)")
    ap.add_argument('--ref', metavar='COMMIT',
                    help='read the expectations (notebooks, modules, sidebar.yml, settings.ini) from this commit, '
                         'for a site rendered from it (default: the working tree)')
    ap.add_argument('--axe', action='store_true',
                    help="also run axe-core's WCAG 2 A and AA rules on every page and fail on any violation "
                         f'(axe-core from npm: `{AXE_INSTALL}`, or BLOBNN_AXE=<its folder>)')
    ap.add_argument('--self-test', action='store_true',
                    help='check a copy of the site with one planted fault per kind of check instead, and pass only '
                         'if every fault is found (a check that cannot fail is a defect)')
    a = ap.parse_args(argv)
    site, shots = (ROOT/a.site).resolve(), (ROOT/a.shots).resolve()
    if not (site/'index.html').exists():
        print(f'{site} has no index.html: run `python tools/render_docs.py` (smalldocs, _site) '
              'or `nbdev_docs` (Quarto, _docs) first'); return 1
    render = detect_render(site) if a.render == 'auto' else a.render
    if render is None:
        print(f"{site/'index.html'} names neither Quarto nor smalldocs as its generator: say which with --render"); return 1
    if CHROMIUM != 'playwright' and not Path(CHROMIUM).exists():
        print(f'{CHROMIUM} is missing: apt-get install -y chromium'); return 1
    if (why := maths_problem(render)) or (a.axe and (why := axe_problem())):
        print(why); return 1
    repo = Repo(a.ref)
    print(f"checking the {render} render in {site} ({RENDERS[render]['engine']} maths"
          f"{f', axe-core {axe_version()}' if a.axe else ''}) against {repo}")
    t0 = time.perf_counter()
    if a.self_test:
        with tempfile.TemporaryDirectory(prefix='blobnn-site-faults-') as tmp:
            s = repo.settings()
            nbs = s.get('nbs_path', 'nbs')
            infos = [notebook_info(n, repo, s) for n in repo.files(nbs) if n.endswith('.ipynb') and not n.startswith(('_', '.'))]
            planted = plant_faults(site, Path(tmp)/'site', infos, a.axe)
            print(f'self-test: planted {len(planted)} faults in a copy of the site; every one must be found')
            fails = check(Path(tmp)/'site', shots, render, repo, a.axe)
        missed = [(pg, words) for pg, words in planted if not any(f.startswith(f'{pg}: ') and words in f for f in fails)]
        print(f'self-test done in {time.perf_counter()-t0:.1f} s; the checks reported:')
        print('\n'.join(f'  - {f}' for f in fails))
        if missed:
            print(f'self-test FAILED: {len(missed)} planted fault(s) went unnoticed:')
            print('\n'.join(f'  - {pg}: expected a failure containing {words!r}' for pg, words in missed)); return 1
        print(f'self-test OK: the checks found all {len(planted)} planted faults'); return 0
    fails = check(site, shots, render, repo, a.axe)
    n = len(list(shots.glob('*.png')))
    print(f'checked the site in {time.perf_counter()-t0:.1f} s; {n} screenshot(s) in {shots.relative_to(ROOT) if shots.is_relative_to(ROOT) else shots}/')
    if fails:
        print(f'{len(fails)} problem(s):'); print('\n'.join(f'  - {f}' for f in fails)); return 1
    print('site OK: every page has its title, plots, API sections, links, maths, search, and no errors'
          + ('; axe-core finds no WCAG 2 A/AA violation' if a.axe else ''))
    return 0


if __name__ == '__main__': sys.exit(main())
