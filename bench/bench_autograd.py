"""Time forward + backward of seed 000's 2-10-1 classifier with `blobnn.autograd.Value` against `torch.autograd`.

Both engines run the same graph: X @ W1 + b1, ReLU, @ W2 + b2, sigmoid, and the binary cross-entropy
written out, -(y log p + (1 - y) log(1 - p)).mean(), then backward() to the four parameters (the data
need no gradient in either). The parameters are drawn like `nn.Linear`'s defaults and stay the same
leaves throughout; each pass resets their gradients, as a training loop does. Timed side by side in one
run, alternating the two, on a batch of 32 points (Python bookkeeping dominates) and on 100,000 points
(the tensor arithmetic dominates). Before timing, the gradients of the two engines are compared.
Never run by the tests.

    .venv/bin/python bench/bench_autograd.py            # about half a minute on a 2-core laptop
    .venv/bin/python bench/bench_autograd.py --quick    # a few seconds
    .venv/bin/python bench/bench_autograd.py --device cuda --threads 1
"""
import argparse, math, statistics, time
import torch
from blobnn.data import make_blobs
from blobnn.autograd import Value


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--quick', action='store_true', help='fewer repetitions, for a run of a few seconds')
    p.add_argument('--device', default=None, help="default: 'cuda' if available, else 'cpu'")
    p.add_argument('--threads', type=int, default=None, help="torch.set_num_threads (default: torch's choice)")
    return p.parse_args()


def sync(device):
    "Wait for queued GPU work, so the clock measures it."
    if device.type == 'cuda': torch.cuda.synchronize(device)


def init_params(device, generator):
    "W1 (2, 10), b1 (10,), W2 (10, 1), b2 (1,), uniform in ±1/sqrt(fan_in) like nn.Linear, laid out (in, out)."
    shapes = [((2, 10), 2), ((10,), 2), ((10, 1), 10), ((1,), 10)]
    return [((torch.rand(s, generator=generator) * 2 - 1) / math.sqrt(fan_in)).to(device) for s, fan_in in shapes]


def forward_backward(params, X, y):
    """Forward and backward through the 2-10-1 network; the loss. The same code runs on torch tensors (torch's autograd)
    and on `Value`s (our engine; `X` and `y` are then constant Values), so both engines build the same graph."""
    for p in params: p.grad = None
    W1, b1, W2, b2 = params
    p = ((X @ W1 + b1).relu() @ W2 + b2).sigmoid()
    loss = -(y * p.log() + (1 - y) * (1 - p).log()).mean()
    loss.backward()
    return loss


def check_same(tparams, vparams, X, y, Xv, yv):
    "Fail loudly if the engines disagree: a benchmark of a wrong gradient is worthless."
    lt, lv = forward_backward(tparams, X, y), forward_backward(vparams, Xv, yv)
    assert torch.allclose(lt.detach(), lv.data, rtol=1e-5), 'the losses differ'
    for t, v in zip(tparams, vparams):
        assert torch.allclose(t.grad, v.grad, rtol=1e-4, atol=1e-6), 'the gradients differ'


def time_passes(n, reps, inner, device):
    "Median seconds per forward + backward for torch.autograd and for Value on n points, timed alternately."
    X, y = make_blobs(n // 2, generator=torch.Generator().manual_seed(0))
    X, y = X.to(device), y.to(device)
    start = init_params(device, torch.Generator().manual_seed(442))
    tparams = [p.clone().requires_grad_() for p in start]
    vparams = [Value(p.clone(), requires_grad=True) for p in start]
    Xv, yv = Value(X), Value(y)
    check_same(tparams, vparams, X, y, Xv, yv)
    runs = {'torch': (forward_backward, tparams, X, y), 'value': (forward_backward, vparams, Xv, yv)}
    times = {'torch': [], 'value': []}
    for rep in range(reps + 1):
        for name in (('torch', 'value') if rep % 2 else ('value', 'torch')):
            f, params, a, b = runs[name]
            sync(device); t0 = time.perf_counter()
            for _ in range(inner): f(params, a, b)
            sync(device)
            if rep: times[name].append((time.perf_counter() - t0) / inner)  # rep 0 is a warm-up
    return statistics.median(times['torch']), statistics.median(times['value'])


def cases(quick):
    "(name, points, repetitions, passes per repetition)."
    return [('batch of 32', 32, 10 if quick else 40, 50 if quick else 200),
            ('100k points', 100_000, 5 if quick else 20, 1 if quick else 3)]


def report(quick=False, device=None):
    "Rows for tools/perf_report.py: forward + backward with our engine against torch.autograd."
    device = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    rows = []
    for name, n, reps, inner in cases(quick):
        t_torch, t_value = time_passes(n, reps, inner, device)
        rows.append(dict(benchmark='autograd', case=f'2-10-1 MLP, BCE, {name}', baseline='torch.autograd', base_s=t_torch,
                         ours='blobnn.autograd.Value', ours_s=t_value, unit='forward + backward', device=str(device)))
    return rows


def main():
    args = parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    device = torch.device(args.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    print(f"device {device}, {torch.get_num_threads()} threads, torch {torch.__version__}")
    print(f"{'data':>12s} {'torch µs':>10s} {'Value µs':>10s} {'Value/torch':>12s}")
    for name, n, reps, inner in cases(args.quick):
        t_torch, t_value = time_passes(n, reps, inner, device)
        print(f"{name:>12s} {t_torch*1e6:10.1f} {t_value*1e6:10.1f} {t_value/t_torch:11.2f}x")


if __name__ == '__main__':
    main()
