"""Store a notebook's outputs: execute it in place in a real kernel, drop any widget state, clean it.

    .venv/bin/python tools/store_outputs.py nbs/04_optimizers.ipynb [more.ipynb ...]

Each notebook runs top to bottom with nbclient in a fresh kernel started in its own folder (as `jupyter nbconvert
--execute` does), with widget state NOT recorded. Then, whatever the notebook did, the stored file keeps no
ipywidgets state: the `widgets` entry of the notebook's metadata is removed, and so is every output that carries an
`application/vnd.jupyter.widget-view+json` view (a static page cannot run a widget, and Quarto would pull require.js
and the widget manager from CDNs to try). Last, `nbdev_clean --fname` cleans the file as the repository expects.
"""
import argparse
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

WIDGET_VIEW = 'application/vnd.jupyter.widget-view+json'


def drop_widgets(nb) -> int:
    "Remove widget state from `nb`'s metadata and widget views from its outputs; return how many things went."
    n = int(nb.metadata.pop('widgets', None) is not None)
    for cell in nb.cells:
        if cell.cell_type != 'code': continue
        keep = [o for o in cell.get('outputs', []) if WIDGET_VIEW not in o.get('data', {})]
        n += len(cell.outputs) - len(keep)
        cell.outputs = keep
    return n


def store(path: Path, timeout: int = 600, kernel: str = 'python3'):
    "Execute the notebook at `path` in place, without widget state, then clean it with nbdev_clean."
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name=kernel, store_widget_state=False,
                   resources={'metadata': {'path': str(path.parent)}}).execute()
    dropped = drop_widgets(nb)
    nbformat.write(nb, path)
    clean = Path(sys.executable).with_name('nbdev_clean')
    subprocess.run([str(clean) if clean.exists() else 'nbdev_clean', '--fname', str(path)], check=True)
    print(f'{path}: outputs stored' + (f', {dropped} widget item(s) dropped' if dropped else ''))


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='+', type=Path)
    ap.add_argument('--timeout', type=int, default=600, help='seconds per cell')
    args = ap.parse_args()
    for p in args.notebooks: store(p, args.timeout)
