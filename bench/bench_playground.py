"""Benchmark: the playground's engine (`blobnn.playground.Run`) against the plain PyTorch loop a user would write.

Both train the original playground's default set-up: a 2-4-2-1 tanh network on 250 training points (the circles),
mini-batches of 10, SGD at 0.03 (and Adam at 0.03), one epoch = 25 steps. The plain loop is `nn.Sequential` +
`nn.BCEWithLogitsLoss` + `torch.optim`, indexing a random permutation per batch. The engine is timed two ways:
`Run.train_epoch` (the same work as the plain loop) and `Run.step` (which also computes the training and validation
losses for the curves and watches for divergence). Epochs per second, best of several repeats, alternating the loops,
side by side in one process; the ratio is printed, nothing is asserted. Never run by the tests.
With --kernel it also starts a real Jupyter kernel (no server, no browser), presses Play on `Playground()` there and
reads the epoch counter while the kernel keeps answering: epochs per second with every frame drawn and encoded (the
widget channel to a browser and the browser's drawing are not in this number); then Pause, Step and Reset are checked.
Usage: python bench/bench_playground.py [--quick] [--epochs E] [--repeats N] [--threads T] [--kernel]
"""
import argparse, platform, time
import torch
from torch import nn
from blobnn.playground import Run


def plain_epochs(run: Run, optimizer: str, epochs: int) -> float:
    "Seconds for `epochs` epochs of the plain loop, on the engine's training points, from nn.Linear's own start."
    X, y = run.F_train, run.y_train
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 2), nn.Tanh(), nn.Linear(2, 1))
    loss_fn = nn.BCEWithLogitsLoss()
    opt = (torch.optim.SGD if optimizer == 'sgd' else torch.optim.Adam)(model.parameters(), lr=0.03)
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(len(X))
        for i in range(0, len(X), 10):
            idx = perm[i:i + 10]
            loss = loss_fn(model(X[idx]), y[idx])
            opt.zero_grad(); loss.backward(); opt.step()
    return time.perf_counter() - t0


def engine_epochs(run: Run, epochs: int, with_losses: bool) -> float:
    "Seconds for `epochs` epochs of the engine: `step` (with the losses and the divergence watch) or `train_epoch` alone."
    run.reset()
    t0 = time.perf_counter()
    if with_losses: run.step(epochs)
    else:
        for _ in range(epochs): run.train_epoch()
    return time.perf_counter() - t0


def compare(epochs: int, repeats: int) -> dict:
    "Best epochs per second of each loop, for SGD and Adam: {optimizer: {loop: epochs/s}}."
    out = {}
    for optimizer in ('sgd', 'adam'):
        run = Run(data='circles', n_points=500, train_frac=0.5, hidden=(4, 2), activation='tanh', optimizer=optimizer, lr=0.03, batch_size=10)
        assert len(run.F_train) == 250
        best = {}
        for _ in range(repeats):
            for name, f in (('plain nn.Sequential + torch.optim', lambda: plain_epochs(run, optimizer, epochs)),
                            ('engine: Run.train_epoch', lambda: engine_epochs(run, epochs, False)),
                            ('engine: Run.step (with losses)', lambda: engine_epochs(run, epochs, True))):
                best[name] = min(best.get(name, float('inf')), f())
        out[optimizer] = {k: epochs / v for k, v in best.items()}
    return out


def report(quick=False, device=None):
    "Rows for tools/perf_report.py: one epoch of the playground's default set-up, plain loop against the engine (CPU)."
    rows = []
    for optimizer, speeds in compare(20 if quick else 100, 3 if quick else 7).items():
        plain, engine = speeds['plain nn.Sequential + torch.optim'], speeds['engine: Run.train_epoch']
        rows.append(dict(benchmark='playground epoch', case=f'2-4-2-1 tanh, 250 points, batch 10, {optimizer} 0.03',
                         baseline='nn.Sequential + torch.optim', base_s=1 / plain, ours='Run.train_epoch', ours_s=1 / engine,
                         unit='one epoch (best)', device='cpu'))
    return rows


def main(epochs: int, repeats: int):
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {torch.get_num_threads()} thread(s) for the plain loop "
          f"(the engine runs on one); {epochs} epochs of 25 steps, best of {repeats}")
    for optimizer, speeds in compare(epochs, repeats).items():
        plain = speeds['plain nn.Sequential + torch.optim']
        for name, eps in speeds.items():
            print(f"{optimizer:5} {name:36} {eps:8.1f} epochs/s  {1e6 / (eps * 25):7.1f} µs/step  ratio to plain {eps / plain:5.2f}x")


def kernel_check(seconds: float = 3.) -> float:
    "Play, Pause, Step and Reset on `Playground()` in a real kernel; returns the epochs per second shown while playing."
    from jupyter_client.manager import start_new_kernel
    km, kc = start_new_kernel(kernel_name='python3')
    out = []
    def run(code):
        kc.execute_interactive(code, timeout=120, output_hook=lambda m: m['msg_type'] == 'stream' and out.append(m['content']['text']))
        return out[-1].strip() if out else ''
    try:
        run("from blobnn.playground import Playground\nimport time\npg = Playground(data='moons', hidden=(4, 2))\nt = time.perf_counter(); pg.play(); print(0)")
        time.sleep(seconds)
        rate = float(run("pg.pause(); e = pg.run.epoch; print(e / (time.perf_counter() - t))"))
        time.sleep(1)
        assert run("print(pg.run.epoch == e)") == 'True', 'Pause did not stop the epoch counter'
        assert run("pg.step(); print(pg.run.epoch - e)") == '1', 'Step did not add one epoch'
        assert run("pg.reset(); print(pg.run.epoch)") == '0', 'Reset did not bring back epoch 0'
        return rate
    finally:
        kc.stop_channels(); km.shutdown_kernel(now=True)


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--quick', action='store_true', help='20 epochs, 3 repeats')
    ap.add_argument('--epochs', type=int, default=None)
    ap.add_argument('--repeats', type=int, default=None)
    ap.add_argument('--threads', type=int, default=0, help='torch threads for the plain loop (default: torch\'s own)')
    ap.add_argument('--kernel', action='store_true', help='also play the widget in a real kernel and print the epochs per second shown')
    a = ap.parse_args()
    if a.threads > 0: torch.set_num_threads(a.threads)
    main(a.epochs or (20 if a.quick else 100), a.repeats or (3 if a.quick else 7))
    if a.kernel: print(f"Playground() in a real kernel: {kernel_check():.0f} epochs/s shown, every frame drawn; Pause, Step and Reset ok")
