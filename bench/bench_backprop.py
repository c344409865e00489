"""Time one training epoch of `blobnn.scratch` with hand-written backpropagation against autograd.

Both run the same full-batch gradient-descent epoch (`execute_epoch`: forward pass, loss, gradients,
update); only the gradients differ: `grads='autograd'` calls `loss.backward()`, `grads='hand'` calls
`calc_grads`. Timed side by side in one run, alternating the two, on the two blobs (800 training points)
and on a million points. Never run by the tests.

    .venv/bin/python bench/bench_backprop.py            # about a minute on a 2-core laptop
    .venv/bin/python bench/bench_backprop.py --quick    # a few seconds
    .venv/bin/python bench/bench_backprop.py --hidden 20 10 --loss bce --device cuda
"""
import argparse, statistics, time
import torch
from blobnn.data import make_blobs, split_data
from blobnn.scratch import calc_grads, calc_loss, execute_epoch, init_coeffs


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--quick', action='store_true', help='fewer repetitions, for a run of a few seconds')
    p.add_argument('--hidden', type=int, nargs='+', default=[20], help='hidden layer widths (default: 20)')
    p.add_argument('--loss', choices=('mae', 'bce'), default='mae')
    p.add_argument('--device', default=None, help="default: 'cuda' if available, else 'cpu'")
    p.add_argument('--threads', type=int, default=None, help='torch.set_num_threads (default: torch\'s choice)')
    return p.parse_args()


def sync(device):
    "Wait for queued GPU work, so the clock measures it."
    if device.type == 'cuda': torch.cuda.synchronize(device)


def check_same_grads(coeffs, x, y, loss):
    "Fail loudly if the two methods disagree: a benchmark of a wrong gradient is worthless."
    cs = tuple(c.detach().clone().requires_grad_() for c in coeffs)
    calc_loss(cs, x, y, loss).backward()
    for c, g in zip(cs, calc_grads(coeffs, x, y, loss)):
        assert torch.allclose(c.grad, g, rtol=1e-3, atol=1e-6), 'hand and autograd gradients differ'


def time_epochs(x, y, hidden, loss, reps, device):
    "Median seconds per epoch for autograd and for hand gradients, timed alternately."
    coeffs = init_coeffs(x.shape[1], hidden, torch.Generator().manual_seed(442), device=device)
    check_same_grads(coeffs, x, y, loss)
    times = {'autograd': [], 'hand': []}
    for rep in range(reps + 1):
        order = ('autograd', 'hand') if rep % 2 else ('hand', 'autograd')
        for grads in order:
            sync(device); t0 = time.perf_counter()
            execute_epoch(coeffs, x, y, lr=1e-3, loss=loss, grads=grads)
            sync(device)
            if rep: times[grads].append(time.perf_counter() - t0)  # rep 0 is a warm-up
    return statistics.median(times['autograd']), statistics.median(times['hand'])


def report(quick=False, device=None, hidden=20, loss='mae'):
    "Rows for tools/perf_report.py: one full-batch epoch with hand gradients against autograd."
    device = torch.device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    (x_small, y_small), _ = split_data(*make_blobs(generator=torch.Generator().manual_seed(42)), fracs=(0.8, 0.2), generator=torch.Generator().manual_seed(42))
    x_big, y_big = make_blobs(500_000, generator=torch.Generator().manual_seed(0))
    rows = []
    for name, x, y, reps in [('800 training points', x_small, y_small, 20 if quick else 300),
                             ('1M points', x_big, y_big, 3 if quick else 20)]:
        t_auto, t_hand = time_epochs(x.to(device), y.to(device), hidden, loss, reps, device)
        rows.append(dict(benchmark='backprop', case=f'2-{hidden}-1 MLP, {loss.upper()}, {name}', baseline='autograd',
                         base_s=t_auto, ours='calc_grads (by hand)', ours_s=t_hand, unit='one epoch', device=str(device)))
    return rows


def main():
    args = parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    device = torch.device(args.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    hidden = tuple(args.hidden) if len(args.hidden) > 1 else args.hidden[0]
    (x_small, y_small), _ = split_data(*make_blobs(generator=torch.Generator().manual_seed(42)), fracs=(0.8, 0.2), generator=torch.Generator().manual_seed(42))
    x_big, y_big = make_blobs(500_000, generator=torch.Generator().manual_seed(0))
    cases = [('blobs', x_small, y_small, 20 if args.quick else 300),
             ('1M points', x_big, y_big, 3 if args.quick else 20)]
    print(f"device {device}, {torch.get_num_threads()} threads, n_hidden={hidden}, loss={args.loss}, torch {torch.__version__}")
    print(f"{'data':>10s} {'N':>9s} {'autograd ms':>12s} {'hand ms':>9s} {'autograd/hand':>14s}")
    for name, x, y, reps in cases:
        x, y = x.to(device), y.to(device)
        t_auto, t_hand = time_epochs(x, y, hidden, args.loss, reps, device)
        print(f"{name:>10s} {len(x):9d} {t_auto*1e3:12.3f} {t_hand*1e3:9.3f} {t_auto/t_hand:13.2f}x")


if __name__ == '__main__':
    main()
