"""Draw the home page's chapter pictures, nbs/images/NN_*.png, with the blobnn modules themselves.

One small PNG per chapter, drawn by the code that chapter builds, so the chapter map shows what each
chapter makes. A chapter whose module does not exist yet (or lacks what its picture needs) is skipped
with a note, and its old picture, if any, is kept; run the script again once the chapter is written.
The PNGs are committed: the home page and the docs site show them without running anything.

Usage: python tools/make_figures.py [CHAPTER ...]      e.g. python tools/make_figures.py 03 05
"""
import sys, traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT/'nbs'/'images'
SIZE, DPI = (3.6, 2.4), 100          # 360 x 240 pixels
FIGURES = {}


def figure(name: str):
    "Register a function that draws chapter `name`'s picture on a fresh (fig, ax)."
    def deco(f): FIGURES[name] = f; return f
    return deco


@figure('00_data')
def data(fig, ax):
    import torch
    from blobnn.data import make_blobs, plot_blobs
    X, y = make_blobs(generator=torch.Generator().manual_seed(42))
    plot_blobs(X, y, ax=ax, title='Two blobs, 500 points each')
    ax.legend(loc='upper left')


@figure('01_activations')
def activations(fig, ax):
    import torch
    from blobnn.activations import sigmoid, tanh, relu, gelu
    x = torch.linspace(-4, 4, 201)
    for f in (sigmoid, tanh, relu, gelu): ax.plot(x, f(x), label=f.__name__)
    ax.set(ylim=(-1.2, 2.2), xlabel='z', ylabel='activation', title='Activation functions')
    ax.axhline(0, color='0.8', lw=0.8, zorder=0); ax.axvline(0, color='0.8', lw=0.8, zorder=0)
    ax.legend(fontsize=7, loc='upper left')


@figure('02_losses')
def losses(fig, ax):
    import torch
    from blobnn.losses import binary_cross_entropy, l1_loss, mse_loss
    p = torch.linspace(0.001, 0.999, 300)
    one = torch.ones_like(p)
    ax.plot(p, binary_cross_entropy(p, one, reduction='none'), label='binary cross-entropy')
    ax.plot(p, mse_loss(p, one, reduction='none'), label='squared error')
    ax.plot(p, l1_loss(p, one, reduction='none'), label='absolute error')
    ax.set(ylim=(0, 3), xlabel='predicted probability of the true class', ylabel='loss',
           title='Loss of one example (label 1)')
    ax.legend(fontsize=7)


@figure('03_gradient_descent')
def gradient_descent(fig, ax):
    import torch
    from blobnn.descent import trajectory, plot_trajectories, bowl
    f = lambda xy: bowl(xy, scale=10.)      # curvatures 1 and 10: condition number 10
    start = (-1.8, 0.6)
    paths = {'lr 0.19 (near 2/10)': trajectory(f, start, torch.optim.SGD, steps=30, lr=0.19),
             'lr 0.18 (best: 2/11)': trajectory(f, start, torch.optim.SGD, steps=30, lr=2 / 11),
             'lr 0.05': trajectory(f, start, torch.optim.SGD, steps=30, lr=0.05)}
    plot_trajectories(f, paths, xlim=(-2, 2), ylim=(-1, 1), minimum=(0, 0), ax=ax,
                      title='Gradient descent in a narrow valley')
    ax.legend(fontsize=6, loc='lower right')


@figure('04_optimizers')
def optimizers(fig, ax):
    from blobnn.optim import SGD, Adam
    from blobnn.descent import trajectory, plot_trajectories, rosenbrock
    start = (-1.5, 1.8)
    paths = {'Adam': trajectory(rosenbrock, start, Adam, steps=100, lr=0.1),
             'momentum': trajectory(rosenbrock, start, SGD, steps=100, lr=0.005, momentum=0.9),
             'SGD': trajectory(rosenbrock, start, SGD, steps=100, lr=0.005)}
    plot_trajectories(rosenbrock, paths, xlim=(-2, 2), ylim=(-1, 3), minimum=(1, 1), ax=ax,
                      title='Optimizers in a curved valley')
    ax.legend(fontsize=6, loc='lower right')


@figure('05_scratch_mlp')
def scratch_mlp(fig, ax):
    from blobnn.data import make_blobs, plot_decision_boundary
    from blobnn.scratch import train_model, calc_preds
    import torch
    X, y = make_blobs(250, centers=((-2, -2), (2, 2), (-2, 2), (2, -2)), labels=(0, 0, 1, 1), generator=torch.Generator().manual_seed(42))
    coeffs, _ = train_model(X, y, epochs=300, lr=1.0, n_hidden=20, loss='bce', generator=torch.Generator().manual_seed(442))
    plot_decision_boundary(lambda pts: calc_preds(coeffs, pts), X, y, ax=ax,
                           title='Hand-made network on XOR blobs')
    ax.legend(loc='upper left', framealpha=0.9, markerscale=0.8)


@figure('06_autograd')
def autograd(fig, ax):
    import torch
    from blobnn.autograd import Value, draw_value_graph
    x, w, b = Value(1.5), Value(0.8, requires_grad=True), Value(-0.2, requires_grad=True)
    y_hat = (w * x + b).tanh()
    loss = (y_hat - 1) ** 2
    loss.backward(keep_grads=True)
    draw_value_graph(loss, {x: 'x', w: 'w', b: 'b', y_hat: 'tanh'}, ax=ax, fontsize=6.5)
    ax.set_title('A graph and its gradients (red)')


@figure('07_nn_module')
def nn_module(fig, ax):
    import torch
    from blobnn.data import make_blobs, split_data, FastLoader
    from blobnn.module import SimpleClassifier, fit
    torch.manual_seed(0)
    X, y = make_blobs(generator=torch.Generator().manual_seed(42))
    (Xt, yt), (Xv, yv) = split_data(X, y, generator=torch.Generator().manual_seed(0))
    model = SimpleClassifier(2, 8)
    hist = fit(model, FastLoader(Xt, yt, batch_size=32, shuffle=True, generator=torch.Generator().manual_seed(0)),
               valid=(Xv, yv), epochs=8, lr=0.01, progress=False)
    epochs = range(1, len(hist) + 1)
    ax.plot(epochs, hist.train_loss, 'o-', ms=3, label='training')
    ax.plot(epochs, hist.valid_loss, 's-', ms=3, label='validation')
    ax.set(xlabel='epoch', ylabel='loss (BCE)', title='Training an nn.Module', xticks=list(epochs))
    ax.legend(fontsize=7)


def draw(name: str) -> str:
    "Draw one picture into nbs/images/NAME.png; returns what happened, in a few words."
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import torch
    torch.manual_seed(0)
    with matplotlib.rc_context({'font.size': 7, 'axes.titlesize': 9, 'axes.labelsize': 8, 'legend.fontsize': 7}):
        fig, ax = plt.subplots(figsize=SIZE, dpi=DPI)
        try:
            FIGURES[name](fig, ax)
        except (ImportError, AttributeError, TypeError) as e:
            plt.close(fig)
            return f'skipped ({type(e).__name__}: {e}); the chapter or what its picture needs is not there yet'
        fig.tight_layout(pad=0.4)
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT/f'{name}.png'
        fig.savefig(path, dpi=DPI, metadata={'Software': None})   # no version stamp: same bytes on every machine
        plt.close(fig)
    return f'wrote {path.relative_to(ROOT)}'


def main(argv) -> int:
    sys.path.insert(0, str(ROOT))
    wanted = [n for n in FIGURES if not argv or any(n.startswith(a) for a in argv)]
    failed = 0
    for name in wanted:
        try: print(f'{name}: {draw(name)}')
        except Exception:
            failed += 1
            print(f'{name}: FAILED\n{traceback.format_exc()}')
    return 1 if failed else 0


if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
