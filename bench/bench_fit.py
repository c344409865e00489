"""Benchmark: seed 000's training loop over a `DataLoader` against `blobnn.module.fit` over a `FastLoader`.

Both train seed 000's `SimpleClassifier(2, 10)` for 5 epochs with Adam (lr 0.01) and BCELoss, from the
same initial weights and the same random state, and score the whole training set after every epoch as
the seed does. `FastLoader` takes the same random draws as the `DataLoader`, so the two runs see the
same batches and should print the same losses. Each run is repeated; the best and the median times are
compared side by side in one process, and the loaders are also timed alone: the forward pass, backward
pass and Adam step are identical work in both loops, so they cap the speed-up a faster loader can give.
Never run by the tests.
Usage: python bench/bench_fit.py [--quick] [--repeats N] [--epochs E]
"""
import argparse, platform, statistics, time
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from blobnn.data import make_blobs, split_data, FastLoader
from blobnn.module import SimpleClassifier, fit, evaluate


def seed_data():
    "Seed 000's data and split, drawn from the global generator after `torch.manual_seed(42)`."
    torch.manual_seed(42)
    X, y = make_blobs(generator=torch.default_generator)
    return split_data(X, y, (0.8, 0.2), generator=torch.default_generator)


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
    "The same training with `fit` and a `FastLoader`."
    (X_train, y_train), (X_test, y_test) = train, test
    model = SimpleClassifier(2, 10); model.load_state_dict(state)
    torch.manual_seed(0)
    t0 = time.perf_counter()
    loader = FastLoader(X_train, y_train, batch_size=32, shuffle=True)
    hist = fit(model, loader, valid=(X_train, y_train), epochs=epochs,
               opt=torch.optim.Adam(model.parameters(), lr=0.01), progress=False)
    seconds = time.perf_counter() - t0
    return seconds, hist.valid_loss, evaluate(model, (X_test, y_test))[1]


def loader_epoch(loader) -> float:
    "Seconds to iterate once over `loader` without training."
    t0 = time.perf_counter()
    for _ in loader: pass
    return time.perf_counter() - t0


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
    return train, times, results


def report(quick=False, device=None):
    "Rows for tools/perf_report.py: seed 000's training (5 epochs) with its loop against `fit` + FastLoader (CPU)."
    _, times, _ = compare(3 if quick else 20, 5)
    (n1, t1), (n2, t2) = times.items()
    return [dict(benchmark='training loop', case="seed 000: 5 epochs, Adam, batch 32", baseline=n1, base_s=min(t1),
                 ours=n2, ours_s=min(t2), unit='one run (best)', device='cpu')]


def main(repeats: int, epochs: int):
    train, times, results = compare(repeats, epochs)
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
    X_train, y_train = train
    dl = DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True)
    fl = FastLoader(X_train, y_train, batch_size=32, shuffle=True)
    t_dl = min(loader_epoch(dl) for _ in range(repeats * epochs))
    t_fl = min(loader_epoch(fl) for _ in range(repeats * epochs))
    print(f"batches alone, one epoch: DataLoader {t_dl*1e3:.2f} ms, FastLoader {t_fl*1e3:.2f} ms ({t_dl/t_fl:.0f}x); "
          f"the rest of a training step (forward, backward, Adam) is the same work in both loops")


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--quick', action='store_true', help='3 runs each (a few seconds)')
    ap.add_argument('--repeats', type=int, default=None, help='runs of each loop (default 20, or 3 with --quick)')
    ap.add_argument('--epochs', type=int, default=5, help='epochs per run (default 5, as in seed 000)')
    a = ap.parse_args()
    main(a.repeats or (3 if a.quick else 20), a.epochs)
