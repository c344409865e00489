"""Benchmark: `blobnn.data.FastLoader` against `DataLoader(TensorDataset)` at batch size 32.

Measures seconds per batch over full shuffled epochs, side by side in one run, on seed 000's
training split (800 points) and on 1M points, and prints the ratio. Never run by the tests.
Usage: python bench/bench_data.py [--quick] [--device cuda]
"""
import argparse, platform, time
import torch
from torch.utils.data import DataLoader, TensorDataset
from blobnn.data import make_blobs, split_data, FastLoader

def per_batch(loader, epochs: int) -> float:
    "Median over `epochs` full passes of the seconds per batch."
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter(); n = 0
        for xb, yb in loader: n += 1
        if xb.is_cuda: torch.cuda.synchronize()
        times.append((time.perf_counter() - t0) / n)
    return sorted(times)[len(times) // 2]

def run(quick: bool = False, device: str | None = None) -> list[dict]:
    "Rows of (case, DataLoader s/batch, FastLoader s/batch, ratio)."
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    X, y = make_blobs(generator=torch.Generator().manual_seed(42))
    (Xtr, ytr), _ = split_data(X, y, (0.8, 0.2), generator=torch.Generator().manual_seed(0))
    big = 20_000 if quick else 1_000_000
    Xb, yb = make_blobs(big // 2, generator=torch.Generator().manual_seed(1))
    rows = []
    for name, (A, B), epochs in [('train split (800)', (Xtr, ytr), 5 if quick else 30),
                                 (f'{big:,} points', (Xb, yb), 1 if quick else 3)]:
        torch.manual_seed(0)
        dl = per_batch(DataLoader(TensorDataset(A, B), batch_size=32, shuffle=True), epochs)
        A, B = A.to(device), B.to(device)
        fl = per_batch(FastLoader(A, B, batch_size=32, shuffle=True), epochs)
        rows.append(dict(case=f'{name}, batch 32', dataloader_us=dl * 1e6, fastloader_us=fl * 1e6, speedup=dl / fl, device=device))
    return rows

def report(quick: bool = False, device: str | None = None) -> list[dict]:
    "Rows for tools/perf_report.py: seconds per batch of each loader, side by side."
    return [dict(benchmark='batches', case=r['case'], baseline='DataLoader', base_s=r['dataloader_us'] / 1e6,
                 ours='FastLoader', ours_s=r['fastloader_us'] / 1e6, unit='one batch', device=r['device'])
            for r in run(quick, device)]

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--quick', action='store_true', help='a few-second run on small data')
    ap.add_argument('--device', default=None, help="device for FastLoader's tensors (default: cuda if available)")
    a = ap.parse_args()
    print(f'# FastLoader vs DataLoader | torch {torch.__version__} | {platform.processor() or platform.machine()} | {torch.get_num_threads()} threads')
    print(f"{'case':32} {'DataLoader µs/batch':>20} {'FastLoader µs/batch':>20} {'speed-up':>9}")
    for r in run(a.quick, a.device):
        print(f"{r['case']:32} {r['dataloader_us']:20.1f} {r['fastloader_us']:20.1f} {r['speedup']:8.1f}x  ({r['device']})")
