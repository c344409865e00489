"""Execute every notebook in a real Jupyter kernel (nbclient + ipykernel), as a learner's "Run All" does.

Works on a temporary copy of nbs/, so nothing in the repo is written. Prints each notebook's wall
time (informative, never asserted) and exits 1 if any cell raised.
Usage: python tools/run_notebooks.py [NOTEBOOK ...] [--timeout S] [--twice] [--load N]
  --load N keep N busy processes running alongside (a loaded machine)
  --twice  run each notebook twice in fresh kernels and compare the text outputs (hidden-state check);
           timings, progress bars, addresses and temp paths are masked first (see `mask`, checked by `selftest`)
"""
import argparse, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
# Text that legitimately changes from run to run, masked before two runs are compared. Each pattern
# masks a whole measured quantity, never a bare number, so a changed loss or accuracy still shows.
_NUM = r'\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?'
VOLATILE = re.compile('|'.join([
    r'[^\n]*±[^\n]*per loop[^\n]*',                   # %timeit: "12.3 ms ± 456 µs per loop (mean ± std. dev. of 7 runs, 100 loops each)"
    r'[^\n]*(?:it/s|s/it)\]?[^\n]*',                   # a tqdm progress bar line (rate, elapsed, remaining)
    rf'{_NUM}\s*(?:ns|µs|μs|us|ms|s|sec|secs|seconds|min|minutes)\b',  # a duration in any unit
    rf'{_NUM}\s*(?:x|×)(?=[\s,;:.)]|$)',               # a measured ratio such as "3.2x" or "1.5 ×"
    rf'{_NUM}\s*(?:[kMG]i?B|epochs|it|steps)/s\b',        # a measured rate: a bandwidth "1.7 GB/s", "374 epochs/s"
    rf'{_NUM}\s*times (?:faster|slower)',
    r'0x[0-9a-f]+',                                    # object addresses
    r'/tmp/\S+',                                       # temporary paths
]))

# %timeit's caching warning comes on some runs only: its whole line goes, not just its numbers
SOMETIMES = re.compile(r'^The slowest run took [^\n]*(?:\n|$)', re.MULTILINE)

def mask(text: str) -> str:
    "`text` with its volatile parts (timings, progress bars, addresses, temp paths) replaced by <n>, and lines that only some runs print removed."
    # a measured value printed in a padded column changes the padding too: runs of spaces count as one
    return re.sub(r'[ \t]+', ' ', VOLATILE.sub('<n>', SOMETIMES.sub('', text)))

def selftest() -> None:
    "Fail loudly if the mask stops hiding what varies or starts hiding what must not."
    same = [('53.2 µs ± 1.1 µs per loop (mean ± std. dev. of 7 runs, 10,000 loops each)',
             '112 µs ± 15.4 µs per loop (mean ± std. dev. of 7 runs, 10,000 loops each)'),
            ('1.2 ms ± 3 µs per loop (mean ± std. dev. of 7 runs, 1,000 loops each)',
             '15 ms ± 2.01 ms per loop (mean ± std. dev. of 7 runs, 100 loops each)'),
            ('fit: 100%|██████████| 5/5 [00:01<00:00,  4.12it/s, loss=0.0155]', 'fit: 100%|██████████| 5/5 [00:03<00:00,  1.52s/it, loss=0.0155]'),
            ('DataLoader: 4.1 ms per epoch, FastLoader: 0.2 ms (20.5x faster)', 'DataLoader: 12 ms per epoch, FastLoader: 1.05 ms (11.4x faster)'),
            ('took 0.53 s', 'took 2.1 s'),
            ('The slowest run took 5.55 times longer than the fastest. This could mean that an intermediate result is being cached.\n'
             '95.4 ms ± 1.43 ms per loop (mean ± std. dev. of 3 runs, 1 loop each)\nfit: 1.7x', '98 ms ± 2 ms per loop (mean ± std. dev. of 3 runs, 1 loop each)\nfit: 1.8x'), ('at 0x7f3a2b', 'at 0x7f99cc'), ('wrote /tmp/abc/model.pt', 'wrote /tmp/xyz/model.pt'),
            ('B=  16  about   3,936 FLOPs   21.3 µs per update    1.33 µs per example', 'B=  16  about   3,936 FLOPs  153.0 µs per update   9.56 µs per example'),
            ('(a bandwidth of 1.7 GB/s)', '(a bandwidth of 2.7 GB/s)'), ('374 epochs/s', '290 epochs/s')]
    differ = [('epoch 1 loss 0.1657', 'epoch 1 loss 0.1658'), ('test accuracy: 100.00%', 'test accuracy: 99.50%'),
              ('tensor([0.2791])', 'tensor([0.2792])'), ('3 steps', '4 steps'), ('lr=0.1', 'lr=0.2'), ('ratio 2.0', 'ratio 3.0')]
    for a, b in same: assert mask(a) == mask(b), f'mask misses a volatile difference:\n  {a}\n  {b}'
    for a, b in differ: assert mask(a) != mask(b), f'mask hides a real difference:\n  {a}\n  {b}'

def text_outputs(nb) -> list[str]:
    "The text outputs of every code cell, with volatile numbers masked; a cell's printed text counts as one output."
    out = []
    for c in nb.cells:
        if c.cell_type != 'code': continue
        streams: dict[str, str] = {}    # a kernel sends printed text in chunks that depend on timing: join them
        for o in c.get('outputs', []):
            if o.output_type == 'stream': streams[o.name] = streams.get(o.name, '') + o.text; continue
            elif o.output_type in ('execute_result', 'display_data'): t = o.get('data', {}).get('text/plain', '')
            elif o.output_type == 'error': t = f'ERROR {o.ename}: {o.evalue}'
            else: continue
            out.append(mask(t))
        out += [f'{name}: ' + mask(t) for name, t in streams.items()]
    return out

def execute(path: Path, workdir: Path, timeout: int, with_kernel: bool = False):
    """Run `path` top to bottom in a fresh python3 kernel with `workdir` as its folder; returns (notebook, seconds, error).
    The seconds are those of Run All, from the first cell to the end of the last, as a learner who opens the chapter
    meets them (the kernel already started); `with_kernel` counts the kernel's start and shutdown too."""
    nb = nbformat.read(path, as_version=4)
    marks = {'begin': time.perf_counter()}
    def mark(key): return lambda **_: marks.__setitem__(key, time.perf_counter())
    client = NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(workdir)}},
                            on_notebook_start=mark('start'), on_cell_executed=mark('end'))
    try:
        client.execute()
        err = None
    except CellExecutionError as e: err = str(e).splitlines()[-1] if str(e) else repr(e)
    except Exception as e: err = f'{type(e).__name__}: {e}'
    done = time.perf_counter()
    secs = done - marks['begin'] if with_kernel or 'end' not in marks else marks['end'] - marks.get('start', marks['begin'])
    return nb, secs, err

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to run (default: every nbs/*.ipynb)')
    ap.add_argument('--timeout', type=int, default=300, help='seconds per cell')
    ap.add_argument('--twice', action='store_true', help='run twice and compare text outputs')
    ap.add_argument('--load', type=int, default=0, metavar='N',
                    help='keep N extra CPU-bound processes busy during the run, to show the comparison holds on a loaded machine')
    a = ap.parse_args(argv)
    selftest()
    hogs = [subprocess.Popen([sys.executable, '-c', 'while True: pass']) for _ in range(a.load)]
    try: return run(a)
    finally:
        for h in hogs: h.kill()

def run(a) -> int:
    "Run the notebooks named in `a` (all if none), once or twice; 1 if any failed."
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)/'nbs'
        shutil.copytree(ROOT/'nbs', work, ignore=shutil.ignore_patterns('_proc', '_docs', '.ipynb_checkpoints'))
        names = [Path(n).name for n in a.notebooks] or sorted(p.name for p in work.glob('*.ipynb') if not p.name.startswith('_'))
        failed = []
        for name in names:
            nb, secs, err = execute(work/name, work, a.timeout)
            status = 'ok' if err is None else f'FAILED: {err}'
            if err is None and a.twice:
                nb2, secs2, err2 = execute(work/name, work, a.timeout)
                t1, t2 = text_outputs(nb), text_outputs(nb2)
                same = err2 is None and t1 == t2
                if err2 is None and not same:   # show the first difference, so that it can be fixed
                    d1, d2 = next(((x, y) for x, y in zip(t1, t2) if x != y), (f'{len(t1)} outputs', f'{len(t2)} outputs'))
                    print(f'{name}: first differing output\n--- run 1:\n{d1[:800]}\n--- run 2:\n{d2[:800]}', flush=True)
                status += f'; second run {secs2:.1f} s, ' + ('same text outputs' if same else 'DIFFERENT text outputs')
                if not same: err = 'outputs differ between two runs'
            print(f'{name:28} {secs:6.1f} s  {status}', flush=True)
            if err is not None: failed.append(name)
    print(f'real-kernel run: {len(names) - len(failed)} of {len(names)} notebooks ran clean' + (f'; failed: {", ".join(failed)}' if failed else ''))
    return 1 if failed else 0

if __name__ == '__main__': sys.exit(main())
