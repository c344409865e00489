"""Execute every notebook in a real Jupyter kernel (nbclient + ipykernel), as a learner's "Run All" does.

Works on a temporary copy of nbs/, so nothing in the repo is written. Prints each notebook's wall
time (informative, never asserted) and exits 1 if any cell raised.
Usage: python tools/run_notebooks.py [NOTEBOOK ...] [--timeout S] [--twice]
  --twice  run each notebook twice in fresh kernels and compare the text outputs (hidden-state check)
"""
import argparse, re, shutil, sys, tempfile, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
# Text that legitimately changes from run to run: timings, memory addresses, temp paths.
VOLATILE = re.compile(r'(The slowest run took .*?cached\.?\n?|\d+(\.\d+)?\s*(ms|µs|μs|us|ns|s|x)\b|0x[0-9a-f]+|/tmp/\S+|\d+\.\d+x faster|it/s|s/it)')

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
            out.append(VOLATILE.sub('<n>', t))
        out += [f'{name}: ' + VOLATILE.sub('<n>', t) for name, t in streams.items()]
    return out

def execute(path: Path, workdir: Path, timeout: int):
    "Run `path` top to bottom in a fresh python3 kernel with `workdir` as its folder; returns (notebook, seconds, error)."
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(workdir)}}).execute()
        err = None
    except CellExecutionError as e: err = str(e).splitlines()[-1] if str(e) else repr(e)
    except Exception as e: err = f'{type(e).__name__}: {e}'
    return nb, time.perf_counter() - t0, err

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to run (default: every nbs/*.ipynb)')
    ap.add_argument('--timeout', type=int, default=300, help='seconds per cell')
    ap.add_argument('--twice', action='store_true', help='run twice and compare text outputs')
    a = ap.parse_args(argv)
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
                    a, b = next(((x, y) for x, y in zip(t1, t2) if x != y), (f'{len(t1)} outputs', f'{len(t2)} outputs'))
                    print(f'{name}: first differing output\n--- run 1:\n{a[:800]}\n--- run 2:\n{b[:800]}', flush=True)
                status += f'; second run {secs2:.1f} s, ' + ('same text outputs' if same else 'DIFFERENT text outputs')
                if not same: err = 'outputs differ between two runs'
            print(f'{name:28} {secs:6.1f} s  {status}', flush=True)
            if err is not None: failed.append(name)
    print(f'real-kernel run: {len(names) - len(failed)} of {len(names)} notebooks ran clean' + (f'; failed: {", ".join(failed)}' if failed else ''))
    return 1 if failed else 0

if __name__ == '__main__': sys.exit(main())
