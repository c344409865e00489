"""The performance report: every benchmark in bench/, plus the test suite's wall time, in one table.

Runs, in one process and one after the other, the side-by-side measurements of bench/*.py (each
script's `report()`: FastLoader vs DataLoader, blobnn.optim vs torch.optim, hand backprop vs autograd,
our `Value` engine vs torch.autograd, `fit` vs seed 000's loop), then times the whole `nbdev_test` and each chapter in a real Jupyter kernel
(as a learner's Run All). Prints one Markdown table of ratios with the machine and library versions.
Nothing here is asserted: the numbers describe one machine on one day.

    .venv/bin/python tools/perf_report.py              # a few minutes on a 2-core machine
    .venv/bin/python tools/perf_report.py --quick      # under a minute; rough numbers
    .venv/bin/python tools/perf_report.py --device cuda
    .venv/bin/python tools/perf_report.py --update     # also write the table into CONTRIBUTING.md, the headline into
                                                       # nbs/index.ipynb, and regenerate README.md

The speed-up column is the baseline's time divided by ours: above 1, ours is faster.
"""
import argparse, importlib.util, json, os, platform, re, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = '<!-- perf-report:start -->', '<!-- perf-report:end -->'
HSTART, HEND = '<!-- perf-headline:start -->', '<!-- perf-headline:end -->'


def load(path: Path):
    "Import a bench script as a module (bench/ is not a package)."
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod


def machine(torch) -> str:
    "One line on the machine and the versions that matter."
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines() if l.startswith('model name'))
    except Exception: pass
    vers = []
    for name in ('torch', 'numpy', 'matplotlib', 'nbdev', 'fastcore', 'execnb'):
        try:
            from importlib.metadata import version
            vers.append(f'{name} {version(name)}')
        except Exception: pass
    gpu = f', GPU {torch.cuda.get_device_name()}' if torch.cuda.is_available() else ''
    return (f'{cpu}, {os.cpu_count()} cores{gpu}; torch on {torch.get_num_threads()} thread(s); '
            f'Python {platform.python_version()}; ' + ', '.join(vers))


def fmt_time(s: float) -> str:
    "Seconds in a readable unit."
    if s >= 1: return f'{s:.2f} s'
    if s >= 1e-3: return f'{s * 1e3:.2f} ms'
    return f'{s * 1e6:.1f} µs'


def time_suite(env) -> float:
    "Wall time of the whole `nbdev_test` (all notebooks, nbdev's default workers)."
    exe = Path(sys.executable).parent/'nbdev_test'
    t0 = time.perf_counter()
    r = subprocess.run([str(exe) if exe.exists() else 'nbdev_test'], cwd=ROOT, env=env, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if r.returncode: raise RuntimeError(f'nbdev_test failed:\n{r.stdout[-2000:]}{r.stderr[-2000:]}')
    return secs


def time_chapters() -> list[tuple[str, float]]:
    "Seconds of Run All per chapter in a fresh real kernel, first cell to last, the kernel started (tools/run_notebooks.py's `execute`)."
    import shutil
    rn = load(ROOT/'tools'/'run_notebooks.py')
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)/'nbs'
        shutil.copytree(ROOT/'nbs', work, ignore=shutil.ignore_patterns('_proc', '_docs', '.ipynb_checkpoints'))
        for nb in sorted(work.glob('[0-9]*.ipynb')):
            _, secs, err = rn.execute(nb, work, 300)
            if err: raise RuntimeError(f'{nb.name} failed in a real kernel: {err}')
            out.append((nb.name, secs))
    return out


def table(rows: list[dict], suite: float | None, chapters: list[tuple[str, float]], header: str, quick: bool) -> str:
    "The report as Markdown."
    lines = [f'*{header}*', '',
             '| benchmark | case | time of | baseline | ours | baseline time | our time | speed-up |',
             '|---|---|---|---|---|---:|---:|---:|']
    for r in rows:
        lines.append(f"| {r['benchmark']} | {r['case']} | {r['unit']} | {r['baseline']} | {r['ours']} | "
                     f"{fmt_time(r['base_s'])} | {fmt_time(r['ours_s'])} | **{r['base_s'] / r['ours_s']:.2f}x** |")
    if suite is not None or chapters:
        lines += ['', '| test suite and chapters | wall time |', '|---|---:|']
        if suite is not None: lines.append(f'| `nbdev_test`, every notebook | {suite:.1f} s |')
        lines += [f'| {name} in a real kernel (Run All) | {secs:.1f} s |' for name, secs in chapters]
    lines += ['', f"Measured by `tools/perf_report.py{' --quick' if quick else ''}`"
              f" on {time.strftime('%Y-%m-%d')}; speed-up = baseline time / our time (above 1: ours is faster)."]
    return '\n'.join(lines)


HEADLINES = {  # benchmark kind -> a line of the home page's headline, with the range of its speed-ups
    'batches': "- `FastLoader` serves a batch at {} the speed of a `DataLoader`;",
    'optimizer step, foreach': "- one step of `blobnn.optim`'s fast path runs at {} the speed of `torch.optim` with `foreach=True`,",
    'optimizer step, default': "  and at {} the speed of `torch.optim`'s CPU default (a Python loop over the tensors);",
    'backprop': '- backpropagation written by hand runs at {} the speed of autograd;',
    'autograd': '- our autograd engine, `Value`, runs forward and backward at {} the speed of `torch.autograd`;',
    'training loop': "- `fit` with a `FastLoader` trains at {} the speed of seed 000's loop with a `DataLoader`;",
    'playground epoch': "- the playground's engine trains an epoch at {} the speed of the plain `nn.Sequential` + `torch.optim` loop.",
}

def headline(rows: list[dict]) -> str:
    "A few lines for the home page: the range of each benchmark's speed-ups (optimizer steps against both torch paths)."
    ratios = {}
    for r in rows:
        kind = r['benchmark']
        if kind == 'optimizer step': kind += ', foreach' if 'foreach=True' in r['baseline'] else ', default'
        ratios.setdefault(kind, []).append(r['base_s'] / r['ours_s'])
    # one decimal, but never round a ratio across 1 (0.97x is slower: it must not read 1.0x)
    fmt = lambda r: f'{r:.2f}' if f'{r:.1f}' == '1.0' and r != 1 else f'{r:.1f}'
    span = lambda v: f'{fmt(min(v))}x' if fmt(min(v)) == fmt(max(v)) else f'{fmt(min(v))}–{fmt(max(v))}x'
    lines = [line.format(span(ratios[k])) for k, line in HEADLINES.items() if k in ratios]
    return '\n'.join(lines) + '\n\nAbove 1x, ours is faster; each range spans the sizes measured.'


def replace_between(text: str, start: str, end: str, md: str, where: str) -> str:
    "`text` with what lies between the markers `start` and `end` replaced by `md`."
    if start not in text or end not in text: raise SystemExit(f'{where} has no {start} ... {end}')
    return re.sub(re.escape(start) + '.*?' + re.escape(end), lambda m: f'{start}\n{md}\n{end}', text, flags=re.S)


def update_index(md: str, head: str):
    "Write the table into CONTRIBUTING.md and the headline into nbs/index.ipynb, then regenerate README.md."
    c = ROOT/'CONTRIBUTING.md'
    c.write_text(replace_between(c.read_text(encoding='utf-8'), START, END, md, 'CONTRIBUTING.md'), encoding='utf-8')
    p = ROOT/'nbs'/'index.ipynb'
    nb = json.loads(p.read_text(encoding='utf-8'))
    for cell in nb['cells']:
        src = ''.join(cell['source'])
        if cell['cell_type'] == 'markdown' and HSTART in src:
            cell['source'] = replace_between(src, HSTART, HEND, head, 'nbs/index.ipynb').splitlines(keepends=True)
            break
    else: raise SystemExit(f'nbs/index.ipynb has no markdown cell with {HSTART} ... {HEND}')
    p.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
    subprocess.run([sys.executable, str(ROOT/'tools'/'make_readme.py')], check=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--quick', action='store_true', help='short runs of every benchmark; rough numbers')
    ap.add_argument('--device', default=None, help="device for the tensor benchmarks (default: cuda if available, else cpu)")
    ap.add_argument('--threads', type=int, default=1,
                    help='torch threads for the benchmarks (default 1: steadier ratios on a shared machine; 0 = torch default)')
    ap.add_argument('--no-suite', action='store_true', help='skip the nbdev_test and real-kernel timings')
    ap.add_argument('--update', action='store_true', help='write the table into CONTRIBUTING.md and the headline into nbs/index.ipynb and README.md')
    a = ap.parse_args(argv)
    import torch
    if a.threads > 0: torch.set_num_threads(a.threads)
    device = a.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    header = machine(torch)
    print(header, flush=True)
    rows = []
    for script in ('bench_data', 'bench_optim', 'bench_backprop', 'bench_autograd', 'bench_fit', 'bench_playground'):
        t0 = time.perf_counter()
        mod = load(ROOT/'bench'/f'{script}.py')
        kw = {} if script in ('bench_fit', 'bench_playground') else {'device': device}   # these two run on the CPU
        new = mod.report(quick=a.quick, **kw)
        rows += new
        print(f'bench/{script}.py: {len(new)} row(s) in {time.perf_counter() - t0:.0f} s', flush=True)
    suite, chapters = None, []
    if not a.no_suite:
        env = dict(os.environ, MPLBACKEND='Agg')
        suite = time_suite(env); print(f'nbdev_test: {suite:.1f} s', flush=True)
        chapters = time_chapters()
    md = table(rows, suite, chapters, header, a.quick)
    head = headline(rows)
    print(); print(md); print(); print(head)
    if a.update: update_index(md, head)
    return 0


if __name__ == '__main__': sys.exit(main())
