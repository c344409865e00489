"""Time one `step()` of each blobnn optimizer, readable and fast path, against torch.optim on the CPU.

Two models: seed 000's 2-10-1 classifier (4 small tensors, where fixed per-operation costs dominate)
and a 2-1000-1000-1 MLP (about 1M parameters, where the arithmetic dominates). For each model and
optimizer, four copies of the same parameters and gradients are stepped by torch.optim (its CPU
default, a per-tensor loop), torch.optim with foreach=True, blobnn's readable path and blobnn's fast
path (foreach=True). The four are timed in turn, round after round, so that they share whatever else
the machine is doing; each number is the median over the rounds of the mean time of one step.
Torch runs on one thread unless --threads says otherwise: on a small shared machine, multi-threaded
kernels spend their time waiting for each other and the numbers turn to noise.

    .venv/bin/python bench/bench_optim.py            # about half a minute
    .venv/bin/python bench/bench_optim.py --quick    # a few seconds
    .venv/bin/python bench/bench_optim.py --threads 0  # torch's default number of threads
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

try: import blobnn.optim as bo
except ImportError:  # run from a checkout that is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import blobnn.optim as bo

OPTIMIZERS = [('SGD', dict(lr=1e-3, momentum=0.9)), ('Adagrad', {}), ('RMSprop', {}), ('Adam', {}), ('AdamW', {})]
MODELS = {'2-10-1': (2, 10, 1), '2-1000-1000-1': (2, 1000, 1000, 1)}


def make_params(sizes, seed=0, device=None):
    "The weights and biases of an MLP with layer sizes `sizes`, each with a random gradient."
    torch.manual_seed(seed)
    params = [p for a, b in zip(sizes[:-1], sizes[1:]) for p in nn.Linear(a, b, device=device).parameters()]
    for p in params: p.grad = torch.randn_like(p) * 1e-2
    return params


def copy_params(params):
    "Independent copies of `params`, gradients included."
    out = [p.detach().clone().requires_grad_() for p in params]
    for c, p in zip(out, params): c.grad = p.grad.clone()
    return out


def mean_step_time(opt, n):
    "Mean wall time of one `opt.step()` over `n` calls."
    dev = opt.param_groups[0]['params'][0].device
    if dev.type == 'cuda': torch.cuda.synchronize(dev)
    t0 = time.perf_counter()
    for _ in range(n): opt.step()
    if dev.type == 'cuda': torch.cuda.synchronize(dev)
    return (time.perf_counter() - t0) / n


def bench(sizes, name, kwargs, rounds, target_s, device=None):
    "Median step times (seconds) of the four variants on the model with layer sizes `sizes`."
    params = make_params(sizes, device=device)
    variants = {'torch': getattr(torch.optim, name)(copy_params(params), **kwargs),
                'torch foreach': getattr(torch.optim, name)(copy_params(params), foreach=True, **kwargs),
                'readable': getattr(bo, name)(copy_params(params), **kwargs),
                'fast': getattr(bo, name)(copy_params(params), foreach=True, **kwargs)}
    for opt in variants.values():                       # warm up: state created, caches filled
        for _ in range(3): opt.step()
    first = mean_step_time(variants['torch'], 3)
    n = max(1, min(500, int(target_s / max(first, 1e-7))))  # calls per measurement
    times = {k: [] for k in variants}
    keys = list(variants)
    for r in range(rounds):
        for k in keys[r % 4:] + keys[:r % 4]:             # rotate the order from round to round
            times[k].append(mean_step_time(variants[k], n))
    return {k: statistics.median(v) for k, v in times.items()}


def report(quick=False, device=None):
    "Rows for tools/perf_report.py: one step of blobnn's fast path against both of torch.optim's paths (its default and foreach=True)."
    rounds, target = (3, 0.005) if quick else (15, 0.02)
    rows = []
    for model, sizes in MODELS.items():
        for name, kwargs in OPTIMIZERS:
            t = bench(sizes, name, kwargs, rounds, target, device)
            for base, label in (('torch', f'torch.optim.{name} (default)'), ('torch foreach', f'torch.optim.{name}(foreach=True)')):
                rows.append(dict(benchmark='optimizer step', case=f'{name}, MLP {model}', baseline=label,
                                 base_s=t[base], ours=f'blobnn.optim.{name}(foreach=True)', ours_s=t['fast'],
                                 unit='one step', device=str(device or 'cpu')))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--quick', action='store_true', help='few rounds: a few seconds')
    ap.add_argument('--rounds', type=int, default=None, help='rounds per measurement (default 15, 3 with --quick)')
    ap.add_argument('--threads', type=int, default=1, help='torch threads (default 1: on a shared machine multi-threaded kernels wait for each other and the times turn to noise; 0 = torch default)')
    args = ap.parse_args()
    if args.threads > 0: torch.set_num_threads(args.threads)
    rounds = args.rounds or (3 if args.quick else 15)
    target = 0.005 if args.quick else 0.02
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {rounds} rounds; "
          "times are the median of one step() in microseconds")
    head = f"{'model':14s} {'optimizer':9s} {'torch':>9s} {'torch fe':>9s} {'readable':>9s} {'fast':>9s}  {'readable/torch':>14s} {'fast/torch':>10s} {'fast/torch fe':>13s}"
    print(head); print('-' * len(head))
    for model, sizes in MODELS.items():
        n_params = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
        for name, kwargs in OPTIMIZERS:
            t = bench(sizes, name, kwargs, rounds, target)
            us = {k: 1e6 * v for k, v in t.items()}
            print(f"{model:14s} {name:9s} {us['torch']:9.1f} {us['torch foreach']:9.1f} {us['readable']:9.1f} {us['fast']:9.1f}  "
                  f"{t['readable'] / t['torch']:14.2f} {t['fast'] / t['torch']:10.2f} {t['fast'] / t['torch foreach']:13.2f}")
        print(f"{'':14s} ({n_params:,} parameters in {2 * (len(sizes) - 1)} tensors)")
    print("torch = torch.optim's CPU default (per-tensor loop); torch fe = torch.optim with foreach=True;\n"
          "readable = blobnn.optim default; fast = blobnn.optim with foreach=True. Ratios below 1: blobnn is faster.")


if __name__ == '__main__': main()
