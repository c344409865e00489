"""Benchmark: seed 000's training loop over a `DataLoader` against `blobnn.module.fit` over a `FastLoader`.

Both train seed 000's `SimpleClassifier(2, 10)` for 5 epochs with Adam (lr 0.01) and BCELoss, from the
same initial weights and the same random state, and score the whole training set after every epoch as
the seed does. `FastLoader` takes the same random draws as the `DataLoader`, and `fit`'s default Adam
(`blobnn.optim.Adam` on its foreach path) computes the same numbers as `torch.optim.Adam`, so the two
runs see the same batches and must print the same losses. Each run is repeated, alternating the two; the
best and the median times are compared side by side in one process. A per-batch breakdown then times
each part of a step (loader, forward+backward, optimizer step, bookkeeping) in both loops.
Never run by the tests.
Usage: python bench/bench_fit.py [--quick] [--repeats N] [--epochs E]
"""
import argparse, platform, statistics, time
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from blobnn.data import make_blobs, split_data, FastLoader, check_divergence
from blobnn.module import SimpleClassifier, fit, evaluate
from blobnn import optim


def seed_data():
    "Seed 000's data and split, drawn from the global generator after `torch.manual_seed(42)`."
    torch.manual_seed(42)
    X, y = make_blobs()
    return split_data(X, y, (0.8, 0.2))


def seed_run(state: dict, train, test, epochs: int):
    "Seed 000's loop, verbatim in spirit: DataLoader batches, per-epoch loss on the whole training set."
    (X_train, y_train), (X_test, y_test) = train, test
    model = SimpleClassifier(2, 10); model.load_state_dict(state)
    torch.manual_seed(0)
    t0 = time.perf_counter()
    train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True)
    loss_function, optimizer = nn.BCELoss(), torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_loader:
            loss = loss_function(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad(): losses.append(loss_function(model(X_train), y_train).item())
    seconds = time.perf_counter() - t0
    test_loader = DataLoader(TensorDataset(X_test, y_test), batch_size=32)
    correct = 0
    with torch.no_grad():
        for xb, yb in test_loader: correct += (model(xb).round() == yb).sum().item()
    return seconds, losses, correct / len(X_test)


def fit_run(state: dict, train, test, epochs: int):
    "The same training with `fit`'s defaults (Adam, lr 0.01, BCELoss) and a `FastLoader`."
    (X_train, y_train), (X_test, y_test) = train, test
    model = SimpleClassifier(2, 10); model.load_state_dict(state)
    torch.manual_seed(0)
    t0 = time.perf_counter()
    loader = FastLoader(X_train, y_train, batch_size=32, shuffle=True)
    hist = fit(model, loader, valid=(X_train, y_train), epochs=epochs, progress=False)  # valid = the seed's per-epoch number
    seconds = time.perf_counter() - t0
    return seconds, hist.valid_loss, evaluate(model, (X_test, y_test))[1]


def compare(repeats: int, epochs: int):
    "Times (s) of every run of both loops, alternated, and each loop's (losses, test accuracy)."
    train, test = seed_data()
    torch.manual_seed(1)
    state = SimpleClassifier(2, 10).state_dict()
    seed_run(state, train, test, 1); fit_run(state, train, test, 1)  # warm-up
    times, results = {'seed loop + DataLoader': [], 'fit + FastLoader': []}, {}
    for _ in range(repeats):  # alternate, so that a busy moment hurts both
        for name, run in (('seed loop + DataLoader', seed_run), ('fit + FastLoader', fit_run)):
            seconds, losses, acc = run(state, train, test, epochs)
            times[name].append(seconds)
            results[name] = (losses, acc)
    return train, state, times, results


def _timed_epochs(loader, model, opt, X_train, y_train, epochs: int, fit_style: bool) -> dict:
    """One training run with a clock around each part of every step; seconds per part, summed.
    `fit_style` does the bookkeeping the way `fit` does (outputs and losses kept on the device, read once
    per epoch, a divergence check and a copy of the weights per epoch); otherwise the seed's way."""
    loss_fn, clock = nn.BCELoss(), time.perf_counter
    parts = dict.fromkeys(('loader', 'forward+backward', 'step', 'bookkeeping'), 0.)
    for epoch in range(1, epochs + 1):
        t = clock()
        model.train()
        if fit_style: saved, losses, outs, ys = [p.detach().clone() for p in model.parameters()], [], [], []
        it = iter(loader)
        parts['bookkeeping'] += clock() - t
        while True:
            t0 = clock()
            try: xb, yb = next(it)
            except StopIteration: break
            t1 = clock()
            out = model(xb); loss = loss_fn(out, yb); opt.zero_grad(); loss.backward()
            t2 = clock()
            opt.step()
            t3 = clock()
            if fit_style: losses.append(loss.detach()); outs.append(out.detach()); ys.append(yb)
            t4 = clock()
            parts['loader'] += t1 - t0; parts['forward+backward'] += t2 - t1; parts['step'] += t3 - t2; parts['bookkeeping'] += t4 - t3
        t = clock()
        if fit_style:
            mean = torch.stack(losses).mean().item(); ((torch.cat(outs) > 0.5) == (torch.cat(ys) > 0.5)).sum().item()
            check_divergence(mean, 1.0, 0.01, epoch, model.parameters())
        model.eval()
        with torch.no_grad(): nn.BCELoss()(model(X_train), y_train).item()  # the per-epoch score both loops compute
        parts['bookkeeping'] += clock() - t
    return parts


def breakdown(state: dict, train, repeats: int, epochs: int) -> dict:
    "Per-batch microseconds of each part of a training step, best of `repeats`, for both loops."
    X_train, y_train = train
    n_batches = epochs * -(-len(X_train) // 32)
    best = {}
    for _ in range(repeats):
        for name, make_loader, make_opt, fit_style in (
                ('seed loop + DataLoader', lambda: DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True),
                 lambda ps: torch.optim.Adam(ps, lr=0.01), False),
                ('fit + FastLoader', lambda: FastLoader(X_train, y_train, batch_size=32, shuffle=True),
                 lambda ps: optim.Adam(ps, lr=0.01, foreach=True), True)):
            model = SimpleClassifier(2, 10); model.load_state_dict(state)
            torch.manual_seed(0)
            parts = _timed_epochs(make_loader(), model, make_opt(list(model.parameters())), X_train, y_train, epochs, fit_style)
            mine = best.setdefault(name, {})
            for k, v in parts.items(): mine[k] = min(mine.get(k, float('inf')), v / n_batches * 1e6)
    return best


def report(quick=False, device=None):
    "Rows for tools/perf_report.py: seed 000's training (5 epochs) with its loop against `fit` + FastLoader (CPU)."
    _, _, times, _ = compare(3 if quick else 20, 5)
    (n1, t1), (n2, t2) = times.items()
    return [dict(benchmark='training loop', case="seed 000: 5 epochs, Adam, batch 32", baseline=n1, base_s=min(t1),
                 ours=n2, ours_s=min(t2), unit='one run (best)', device='cpu')]


def main(repeats: int, epochs: int):
    train, state, times, results = compare(repeats, epochs)
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads; "
          f"{epochs} epochs of 25 batches, {repeats} runs each")
    print(f"{'':24} {'best ms':>9} {'median ms':>10} {'final loss':>11} {'test acc':>9}")
    for name, ts in times.items():
        losses, acc = results[name]
        print(f"{name:24} {min(ts)*1e3:9.1f} {statistics.median(ts)*1e3:10.1f} {losses[-1]:11.4f} {acc:9.2%}")
    (l_seed, a_seed), (l_fit, a_fit) = results.values()
    best = min(times['seed loop + DataLoader']) / min(times['fit + FastLoader'])
    med = statistics.median(times['seed loop + DataLoader']) / statistics.median(times['fit + FastLoader'])
    print(f"speed-up of fit + FastLoader: {best:.2f}x (best), {med:.2f}x (median)")
    print("per-epoch losses, seed loop:", ' '.join(f'{l:.4f}' for l in l_seed))
    print("per-epoch losses, fit      :", ' '.join(f'{l:.4f}' for l in l_fit))
    print("same losses:", l_seed == l_fit, "| same test accuracy:", a_seed == a_fit)
    parts = breakdown(state, train, repeats, epochs)
    print(f"\nper batch, µs (best of {repeats}; each part timed on its own, so the parts add up to a little more than a run)")
    print(f"{'':24} " + ' '.join(f'{k:>17}' for k in next(iter(parts.values()))) + f" {'sum':>8}")
    for name, p in parts.items():
        print(f"{name:24} " + ' '.join(f'{v:17.1f}' for v in p.values()) + f" {sum(p.values()):8.1f}")
    n_batches = epochs * 25
    for name, ts in times.items(): print(f"{name:24} whole run, per batch: {min(ts) / n_batches * 1e6:.1f} µs")


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--quick', action='store_true', help='3 runs each (a few seconds)')
    ap.add_argument('--repeats', type=int, default=None, help='runs of each loop (default 20, or 3 with --quick)')
    ap.add_argument('--epochs', type=int, default=5, help='epochs per run (default 5, as in seed 000)')
    a = ap.parse_args()
    main(a.repeats or (3 if a.quick else 20), a.epochs)
