"""Drive a real JupyterLab in headless Chromium: open chapters, Run All through the UI, check the result.

For each notebook: start from a temporary working copy of nbs/ (nothing in the repo is written),
open it in JupyterLab, run every cell from the Run menu, wait until the kernel is idle, save it from
the UI, and assert that no cell shows an error, that plots rendered in the page (images with a
natural width), that no nbdev/Quarto markup leaks into what the learner sees, and that the exercises
work as a learner meets them after Run All: every cell stored with a hidden input (reference solutions, their
tests) shows collapsed, no reference solution shows any output (they would give their answers away), no "correct"
verdict shows anywhere, and every untouched stub's check cell, each one by name, says "not attempted yet". Saves a screenshot
per notebook, and one of its exercises. The server is stopped in all cases.
Usage: python tools/check_jupyterlab.py [NOTEBOOK ...] [--out DIR]   (default: every chapter, nbs/[0-9]*.ipynb)
"""
import argparse, json, os, re, secrets, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Debian's Chromium by default; BLOBNN_CHROMIUM=playwright uses the browser of `playwright install chromium`
# (GitHub's Ubuntu runners, where apt's chromium is a snap), any other value is a path to a Chromium.
CHROMIUM = os.environ.get('BLOBNN_CHROMIUM') or '/usr/bin/chromium'
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run']
WARTS = ['{target="_blank"', 'style="float:right', '#| ']  # Quarto/nbdev markup that must not show in outputs

def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def wait_for_server(url: str, proc, timeout: float = 90):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None: raise RuntimeError(f'jupyter lab exited early with code {proc.returncode}')
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200: return
        except Exception: time.sleep(0.5)
    raise TimeoutError(f'jupyter lab did not answer at {url} within {timeout} s')

def start_lab(work: Path, home: Path):
    "Start JupyterLab on 127.0.0.1 with a token, notebook windowing off (every cell in the DOM)."
    port, token = free_port(), secrets.token_hex(16)
    settings = home/'lab-settings'/'@jupyterlab'/'notebook-extension'
    settings.mkdir(parents=True)
    (settings/'tracker.jupyterlab-settings').write_text(json.dumps({'windowingMode': 'none'}))
    news = home/'lab-settings'/'@jupyterlab'/'apputils-extension'
    news.mkdir(parents=True)
    (news/'notification.jupyterlab-settings').write_text(json.dumps({'fetchNews': 'false', 'checkForUpdates': False}))
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(home/'lab-settings'), JUPYTER_CONFIG_DIR=str(home/'config'),
               JUPYTER_RUNTIME_DIR=str(home/'runtime'), JUPYTERLAB_WORKSPACES_DIR=str(home/'workspaces'),
               MPLBACKEND='module://matplotlib_inline.backend_inline')
    cmd = [sys.executable, '-m', 'jupyterlab', '--no-browser', '--ServerApp.ip=127.0.0.1', f'--ServerApp.port={port}',
           f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={work}', '--ServerApp.open_browser=False',
           '--LabApp.news_url=', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate']
    if hasattr(os, 'geteuid') and os.geteuid() == 0: cmd.append('--allow-root')
    log = open(home/'lab.log', 'w')
    proc = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_for_server(f'http://127.0.0.1:{port}/api/status?token={token}', proc)
    return proc, f'http://127.0.0.1:{port}', token

def run_notebook(page, base: str, token: str, name: str, work: Path, shots: Path, timeout: float) -> list[str]:
    "Open `name`, Run All from the menu, wait for idle, save; returns a list of problems (empty if fine)."
    problems = []
    stored = json.loads((work/name).read_text())['cells']   # the chapter as committed, before JupyterLab saves it
    page.goto(f'{base}/lab/tree/{name}?token={token}&reset', wait_until='domcontentloaded')
    page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=60_000)
    t0 = time.time()   # wait for the kernel; accept the kernel dialog JupyterLab may show (Python 3 is preselected)
    quiet = 0
    while quiet < 4:   # idle, and no dialog, for two seconds in a row
        if time.time() - t0 > 90: raise TimeoutError('the kernel did not become idle within 90 s')
        dialog = page.locator('.jp-Dialog .jp-Dialog-button.jp-mod-accept')
        if dialog.count(): dialog.first.click(); quiet = 0
        elif page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').count(): quiet += 1
        time.sleep(0.5)
    opened = cell_states(page)   # as the learner first sees the chapter, with its stored outputs
    t0 = time.perf_counter()
    page.click('#jp-MainMenu >> text=Run')
    page.locator('.lm-Menu-content').get_by_text('Run All Cells', exact=True).click()
    # Idle with every code cell numbered: all ran (or one failed and the rest were skipped)
    page.wait_for_function(
        """() => { const p = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')].map(e => e.textContent);
                   return p.length && p.every(t => /\\[\\d+\\]/.test(t) || t.trim() === '') && !p.some(t => t.includes('*')); }""",
        timeout=timeout * 1000)
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=timeout * 1000)
    secs = time.perf_counter() - t0
    n_code = page.locator('.jp-Notebook .jp-CodeCell').count()
    page.keyboard.press('Control+s')
    time.sleep(1.5)
    errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]:has-text("Traceback"), .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]:has-text("Error")')
    n_err = errors.count()
    if n_err: problems.append(f'{n_err} cell(s) show an error, first: {errors.first.inner_text()[:300]!r}')
    images = page.eval_on_selector_all('.jp-RenderedImage img', 'els => els.map(e => e.complete && e.naturalWidth > 0)')
    draws = any('image/png' in o.get('data', {}) for c in stored if c['cell_type'] == 'code' for o in c.get('outputs', []))
    if draws and not images: problems.append('no plot rendered')   # a notebook stored with figures must draw them
    elif not all(images): problems.append(f'{images.count(False)} of {len(images)} images did not load')
    text = '\n'.join(page.locator('.jp-Notebook .jp-OutputArea').all_inner_texts())
    problems += [f'learner-visible markup {w!r}' for w in WARTS if w in text]
    # a collapsed input (a reference solution) shows no prompt: those cells are checked in the saved file below
    unnumbered = page.eval_on_selector_all('.jp-Notebook .jp-CodeCell', """els => els.filter(c => {
        const ph = c.querySelector('.jp-InputPlaceholder'), p = c.querySelector('.jp-InputPrompt');
        return !(ph && ph.offsetParent !== null) && !(p && /\\[\\d+\\]/.test(p.textContent)); }).length""")
    if unnumbered: problems.append(f'{unnumbered} of {n_code} code cells did not run')
    page.screenshot(path=str(shots/f'{Path(name).stem}.png'), full_page=False)
    problems += check_exercises(page, work/name, shots/f'{Path(name).stem}-exercises.png', stored, opened)
    if any('display(Playground())' in ''.join(c['source']) for c in stored): problems += check_playground(page, shots)
    saved = json.loads((work/name).read_text())
    outs = [o for c in saved['cells'] if c['cell_type'] == 'code' for o in c.get('outputs', [])]
    if any(o['output_type'] == 'error' for o in outs): problems.append('the saved notebook holds an error output')
    not_run = sum(1 for c in saved['cells'] if c['cell_type'] == 'code' and c.get('execution_count') is None)
    if not_run: problems.append(f'the saved notebook has {not_run} code cell(s) that did not run')
    if draws and not any('image/png' in o.get('data', {}) for o in outs): problems.append('the saved notebook holds no plot')
    print(f'{name:24} {n_code} code cells ran through the UI in {secs:.1f} s, {len(images)} plots rendered'
          + ('' if not problems else ' -- ' + '; '.join(problems)), flush=True)
    return problems

def cell_states(page) -> list:
    "Per cell of the open notebook: [input placeholder shown, editor shown, output placeholder shown, output text shown]."
    return page.eval_on_selector_all('.jp-Notebook .jp-Cell', """els => els.map(e => {
        const ph = e.querySelector('.jp-InputPlaceholder'), ed = e.querySelector('.jp-InputArea-editor'),
              oph = e.querySelector('.jp-OutputPlaceholder'), out = e.querySelector('.jp-OutputArea');
        return [!!ph && ph.offsetParent !== null, !!ed && ed.offsetParent !== null,
                !!oph && oph.offsetParent !== null, !!out && out.offsetParent !== null && out.innerText.trim() !== '']; })""")

CHECK_CELL = re.compile(r'^\s*(check_\w+)\((\w+)\)\s*;?\s*$')   # a check cell: `check_softplus(softplus)`, one call

def check_exercises(page, path: Path, shot: Path, stored: list, opened: list) -> list[str]:
    """After Run All, as a learner who has attempted nothing sees the chapter: every check cell says "not attempted yet"
    (each one, by name), no reference solution shows anything (their inputs are collapsed and they print nothing,
    stored or fresh), and no "correct" verdict appears anywhere in the page."""
    cells = json.loads(path.read_text())['cells']
    state = cell_states(page)
    if len(state) != len(cells): return [f'the page shows {len(state)} cells, the file has {len(cells)}']
    problems = []
    hidden = [i for i, c in enumerate(cells) if c.get('metadata', {}).get('jupyter', {}).get('source_hidden')]
    shown = [i for i in hidden if not state[i][0] or state[i][1]]
    if shown: problems.append(f'{len(shown)} of {len(hidden)} collapsed cell(s) show their input instead of a collapsed placeholder (cells {shown[:5]})')
    collapsed = sum(1 for placeholder, *_ in state if placeholder)
    if collapsed != len(hidden): problems.append(f'{collapsed} collapsed cells in the page, {len(hidden)} in the file')
    def text(c): return ''.join(''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', '')) for o in c.get('outputs', []))
    checks = [(i, m.group(1)) for i, c in enumerate(cells) if c['cell_type'] == 'code' and (m := CHECK_CELL.match(''.join(c['source'])))]
    sols = [i for i, c in enumerate(cells) if c['cell_type'] == 'code' and 'assert_solution(' in ''.join(c['source'])]
    if checks and not sols: problems.append('check cells but no reference solution (assert_solution) found')
    quiet = [f'{name} (cell {i})' for i, name in checks if 'not attempted yet' not in text(cells[i])]
    if quiet: problems.append(f'{len(quiet)} of {len(checks)} untouched check(s) do not say "not attempted yet" after Run All: {quiet[:6]}')
    loud_file = [i for i in sols if cells[i].get('outputs') or stored[i].get('outputs')]
    if loud_file: problems.append(f'{len(loud_file)} of {len(sols)} reference solution(s) have an output (stored or after Run All): cells {loud_file[:5]}')
    loud_page = [i for i in sols if state[i][3]]
    if loud_page: problems.append(f'{len(loud_page)} of {len(sols)} reference solution(s) show an output in the page after Run All: cells {loud_page[:5]}')
    page_text = '\n'.join(page.locator('.jp-Notebook .jp-OutputArea').all_inner_texts())
    if '✔ correct' in page_text: problems.append('a "✔ correct" verdict shows in the page after Run All: an answer is given away')
    seen = page_text.count('not attempted yet')
    if seen < len(checks): problems.append(f'{seen} "not attempted yet" in the page for {len(checks)} check cells')
    if sols:
        first = page.locator('.jp-Notebook .jp-Cell').nth(max(sols[0] - 3, 0))  # the first exercise
        first.scroll_into_view_if_needed(); time.sleep(0.3)
        page.screenshot(path=str(shot), full_page=False)
    print(f'    {len(checks)} check cell(s), each "not attempted yet": {not quiet}; {len(sols)} reference solution(s), silent: {not (loud_file or loud_page)}', flush=True)
    return problems

PLAYGROUND_JS = """(root) => {   // record, in the page, every epoch counter and boundary picture the learner is shown, with its time
  const rec = window.__pg = {epochs: [], frames: 0, texts: []};
  const status = root.querySelector('.pg-epoch').closest('.widget-html-content') || root.querySelector('.pg-epoch').parentElement;
  new MutationObserver(() => { const e = root.querySelector('.pg-epoch'); if (!e) return;
      rec.epochs.push([performance.now(), parseInt(e.textContent.replace('epoch', ''))]); rec.texts.push(status.textContent); })
    .observe(status, {subtree: true, childList: true, characterData: true});
  new MutationObserver(() => { rec.frames += 1; }).observe(root.querySelectorAll('img')[1], {attributes: true, attributeFilter: ['src']});
}"""

def check_playground(page, shots: Path) -> list[str]:
    """The live widget of chapter 08, driven as a learner drives it: Play raises the epoch counter, changes the boundary picture
    and lowers the training loss; Pause stops the counter; Step adds one epoch; Reset brings back epoch 0 and the first picture;
    a new data set redraws the points. Prints the epochs per second the page showed while playing, and where a frame's time goes."""
    problems = []
    root = page.locator('.jp-OutputArea-output .widget-vbox', has=page.locator('button', has_text='Play')).first
    try: root.wait_for(timeout=30_000)
    except Exception: return ['the playground widget did not show after Run All']
    root.scroll_into_view_if_needed()
    button = lambda name: root.locator('button', has_text=re.compile(f'^{name}$')).first
    status = root.locator('.pg-epoch').first
    epoch = lambda: int(status.inner_text().split()[-1])
    loss = lambda: float(re.search(r'training loss ([\d.]+)', root.inner_text()).group(1))
    picture = lambda: page.evaluate("""async img => { const b = await (await fetch(img.src)).arrayBuffer();
        const h = await crypto.subtle.digest('SHA-256', b); return [...new Uint8Array(h)].map(x => x.toString(16)).join(''); }""",
        root.locator('img').nth(1).element_handle())
    def settle(what, f, want, timeout=10):
        t0 = time.time()
        while time.time() - t0 < timeout:
            if f() == want: return True
            time.sleep(0.1)
        problems.append(f'{what}: wanted {want!r}, the page shows {f()!r}'); return False
    e0, first, l0 = epoch(), picture(), loss()
    if e0 != 0: problems.append(f'the widget opens at epoch {e0}, not 0')
    page.screenshot(path=str(shots/'08_playground-widget.png'))
    root.evaluate(PLAYGROUND_JS)
    def play(what: str, shot: str) -> bool:
        "Play for 1.5 s to warm up, measure 4 s of what the page shows, take a screenshot, Pause. False if the counter did not rise."
        button('Play').click(); time.sleep(1.5)
        n0 = page.evaluate('window.__pg.epochs.length'); f0 = page.evaluate('window.__pg.frames'); time.sleep(4)
        rec = page.evaluate('window.__pg')
        root.locator('img').first.scroll_into_view_if_needed(); page.screenshot(path=str(shots/shot))
        button('Pause').click(); time.sleep(1.5)
        window = rec['epochs'][n0:]
        if len(window) < 2: return False
        (t_a, e_a), (t_b, e_b) = window[0], window[-1]
        rate, fps = (e_b - e_a) / (t_b - t_a) * 1e3, (rec['frames'] - f0) / 4
        parts = {}
        for text in rec['texts'][n0:]:
            for k, v in re.findall(r'(\w+) ([\d.]+) ms', text): parts.setdefault(k, []).append(float(v))
        ms = {k: sum(v) / len(v) for k, v in parts.items()}
        print(f'    playground, {what}: {rate:.1f} epochs/s shown in the page ({fps:.1f} boundary pictures/s); a frame in the kernel: '
              + ', '.join(f'{k} {v:.1f} ms' for k, v in ms.items()) + f' = {sum(ms.values()):.1f} ms; the rest of the {1e3 / max(rate, 1e-9):.1f} ms'
              f' between shown epochs is the widget channel, the browser and the event loop', flush=True)
        return True
    if not play('the default run (circles, 2-4-2-1 tanh, SGD, batch 10)', '08_playground-playing.png'):
        problems.append('Play: the epoch counter did not rise')
    else:
        if picture() == first: problems.append('Play: the boundary picture did not change')
        if not loss() < l0: problems.append(f'Play: the training loss did not fall ({l0} -> {loss()})')
    paused = epoch(); time.sleep(1.5)
    if epoch() != paused: problems.append(f'Pause: the counter went on ({paused} -> {epoch()})')
    button('Step').click(); settle('Step', epoch, paused + 1)
    button('Reset').click(); settle('Reset: the epoch', epoch, 0); settle('Reset: the first picture', lambda: picture() == first, True)
    page.screenshot(path=str(shots/'08_playground-reset.png'))
    root.locator('.widget-dropdown', has=page.locator('label', has_text=re.compile('^data$'))).locator('select').select_option('xor')
    settle('a new data set redraws the boundary and points', lambda: picture() != first, True)
    settle('a new data set starts at epoch', epoch, 0)
    page.screenshot(path=str(shots/'08_playground-xor.png'))
    # the largest network the controls allow: 7 features, six hidden layers of 8 units, every unit's map redrawn each frame
    control = lambda name: root.locator('.widget-inline-hbox', has=page.locator('label', has_text=re.compile(f'^{name}$')))
    control('data').locator('select').select_option('spirals')
    control('features').locator('select').select_option(['x1', 'x2', 'x1^2', 'x2^2', 'x1*x2', 'sin(x1)', 'sin(x2)'])
    control('hidden').locator('input').fill('8,8,8,8,8,8')
    settle('the largest network is drawn (eight columns of boxes)', lambda: root.locator('img').first.evaluate('e => e.naturalWidth') > 800, True)
    if not play('the largest network (spirals, 7 features, 6 hidden layers of 8)', '08_playground-deep.png'):
        problems.append('Play on the largest network: the epoch counter did not rise')
    print(f'    playground widget: Play, Pause, Step, Reset and the data menu behave: {not problems}', flush=True)
    return problems

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', default=sorted(p.name for p in (ROOT/'nbs').glob('[0-9]*.ipynb')))
    ap.add_argument('--out', default=str(ROOT/'.ci'/'out'/'jupyterlab'), help='folder for screenshots')
    ap.add_argument('--timeout', type=float, default=180, help='seconds to wait for Run All')
    a = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright
    shots = Path(a.out); shots.mkdir(parents=True, exist_ok=True)
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp); work = tmp/'nbs'
        shutil.copytree(ROOT/'nbs', work, ignore=shutil.ignore_patterns('_proc', '_docs', '.ipynb_checkpoints'))
        names = [Path(n).name for n in a.notebooks if (work/Path(n).name).exists()]
        missing = [n for n in a.notebooks if Path(n).name not in names]
        if missing: print(f'not found, skipped: {missing}')
        proc, base, token = start_lab(work, tmp)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=None if CHROMIUM == 'playwright' else CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_context(viewport={'width': 1400, 'height': 1000}).new_page()
                for name in names:
                    try: problems = run_notebook(page, base, token, name, work, shots, a.timeout)
                    except Exception as e:
                        problems = [f'{type(e).__name__}: {str(e).splitlines()[0]}']
                        print(f'{name:24} FAILED: {problems[0]}')
                        page.screenshot(path=str(shots/f'{Path(name).stem}-failed.png'))
                    if problems: failed.append(name)
                browser.close()
        finally:
            proc.terminate()
            try: proc.wait(timeout=15)
            except subprocess.TimeoutExpired: proc.kill()
    print(f'JupyterLab: {len(names) - len(failed)} of {len(names)} notebooks ran clean through the UI; screenshots in {shots}')
    return 1 if failed or not names else 0

if __name__ == '__main__': sys.exit(main())
