"""Attribution methods side by side on MNIST digits, scored by the deletion curve (the notes'
interpretability slides: saliency, Grad * Input, Integrated Gradients, epsilon-LRP, occlusion, Grad-CAM,
Score-CAM, SHAP; Samek et al. 2017 / Petsiuk et al. 2018 for the deletion metric).

A small CNN is trained on MNIST; each method explains the predicted class's logit on test digits. The
deletion curve removes the most-attributed pixels first (sets them to the background value) and
follows the logit; a good attribution drops it fastest, so a lower area under the curve is better. The
table compares each method's AUC with a random pixel ordering; the figure shows the maps side by side.
The deletion test cannot remove what is already background: methods that credit the empty space around
the strokes (the absence of ink is evidence too) score badly -- on this net Grad-CAM's coarse 14x14 maps
do, and come out worse than random.

    python examples/explain_mnist.py [--epochs 2] [--n-eval 100] [--out runs]
    python examples/explain_mnist.py --quick
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reograd as torch  # noqa: E402
import reograd.nn.functional as F  # noqa: E402
from reograd import nn  # noqa: E402
from reograd.explain import (LRP, DeepLift, InputXGradient, IntegratedGradients, KernelShap,  # noqa: E402
                             LayerAttribution, LayerGradCam, Occlusion, Saliency, ScoreCAM, visualize)

MEAN, STD = 0.1307, 0.3081
BACKGROUND = (0.0 - MEAN) / STD   # a black pixel after normalisation: what "removing" a pixel means


class Net(nn.Module):
    """conv(16) -> ReLU -> maxpool -> conv(32) -> ReLU -> maxpool -> linear: every nonlinearity a module,
    so that GuidedBackprop/DeepLift/LRP can hook it."""

    def __init__(self):
        super().__init__()
        self.conv1, self.relu1, self.pool1 = nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)
        self.conv2, self.relu2, self.pool2 = nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)
        self.flatten, self.fc = nn.Flatten(), nn.Linear(32 * 7 * 7, 10)

    def forward(self, x):
        x = self.pool1(self.relu1(self.conv1(x)))
        x = self.pool2(self.relu2(self.conv2(x)))
        return self.fc(self.flatten(x))


def train(model, x, y, epochs, batch=128, lr=2e-3, seed=0, log=print):
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for ep in range(epochs):
        perm = rng.permutation(len(x))
        t0, losses = time.time(), []
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            loss = F.cross_entropy(model(torch.from_numpy(x[idx])), torch.from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        log(f"  epoch {ep + 1}: loss {np.mean(losses):.4f} ({time.time() - t0:.0f} s)")
    model.eval()
    return model


def block_mask(size=28, block=4):
    """Feature groups for Kernel SHAP: ``block`` x ``block`` squares (49 features for 4x4 on 28x28)."""
    r = np.arange(size) // block
    return torch.from_numpy((r[:, None] * (size // block) + r[None, :])[None, None].astype(np.int64))


def methods(model, shap_samples=300):
    """{name: f(x, target) -> attribution (N, 1, 28, 28)}."""
    def upsample(m):
        return LayerAttribution.interpolate(m, (28, 28), "bilinear")
    mask = block_mask()
    return {
        "saliency": lambda x, t: Saliency(model).attribute(x, target=t),
        "grad x input": lambda x, t: InputXGradient(model).attribute(x, target=t),
        "integrated gradients": lambda x, t: IntegratedGradients(model).attribute(
            x, baselines=BACKGROUND, target=t, n_steps=32, internal_batch_size=512),
        "DeepLift": lambda x, t: DeepLift(model).attribute(x, baselines=BACKGROUND, target=t),
        "eps-LRP": lambda x, t: LRP(model).attribute(x, target=t),
        "occlusion 4x4": lambda x, t: Occlusion(model).attribute(x, (1, 4, 4), (1, 2, 2), baselines=BACKGROUND,
                                                                 target=t, perturbations_per_eval=32),
        "Grad-CAM": lambda x, t: upsample(LayerGradCam(model, model.relu2).attribute(x, target=t,
                                                                                     relu_attributions=True)),
        "Score-CAM": lambda x, t: upsample(ScoreCAM(model, model.relu2).attribute(x, target=t, baselines=BACKGROUND,
                                                                                  maps_per_eval=16)),
        "Kernel SHAP": lambda x, t: KernelShap(model).attribute(x, baselines=BACKGROUND, target=t, feature_mask=mask,
                                                                n_samples=shap_samples, perturbations_per_eval=50),
    }


def deletion_auc(model, x, target, scores, steps=20, rng=None, chunk=512):
    """Mean area under the logit-vs-fraction-removed curve when the pixels are removed in order of
    decreasing score (ties broken at random), ``steps`` + 1 points from 0 to 100%."""
    n = x.shape[0]
    flat = x.reshape(n, -1)
    d = flat.shape[1]
    jitter = rng.random((n, d))
    order = np.lexsort((jitter, -scores.reshape(n, d)), axis=1)        # most attributed first
    rank = np.empty_like(order)
    rank[np.arange(n)[:, None], order] = np.arange(d)[None, :]
    counts = np.round(np.linspace(0, 1, steps + 1) * d).astype(int)
    imgs = np.where(rank[:, None, :] < counts[None, :, None], BACKGROUND, flat[:, None, :])  # (n, steps+1, d)
    imgs = imgs.reshape(-1, 1, 28, 28).astype(np.float32)
    tgt = np.repeat(target, steps + 1)
    logits = []
    with torch.no_grad():
        for i in range(0, len(imgs), chunk):
            out = model(torch.from_numpy(imgs[i:i + chunk])).numpy()
            logits.append(out[np.arange(out.shape[0]), tgt[i:i + chunk]])
    curve = np.concatenate(logits).reshape(n, steps + 1)
    return float(_trapezoid(curve, 1.0 / steps).mean()), curve.mean(0)


def _trapezoid(curve, dx):
    """The trapezoid rule along the last axis (NumPy's trapz/trapezoid renamed between versions)."""
    return dx * (curve[..., 1:] + curve[..., :-1]).sum(-1) / 2


def run(epochs=2, n_train=12000, n_eval=100, n_show=8, shap_samples=300, out=None, root=None, seed=0, log=print):
    from lenet_mnist import load_mnist

    torch.manual_seed(seed)
    xtr, ytr, xte, yte = load_mnist(root, n_train, max(n_eval, n_show) + 1000)
    model = train(Net(), xtr, ytr, epochs, log=log)
    with torch.no_grad():
        acc = float((model(torch.from_numpy(xte[-1000:])).argmax(1).numpy() == yte[-1000:]).mean())
    log(f"CNN trained on {n_train} images: test accuracy {acc:.1%}")
    x = torch.from_numpy(xte[:n_eval])
    with torch.no_grad():
        pred = model(x).argmax(1)
    target = pred.numpy()
    rng = np.random.default_rng(seed)
    results, maps = {}, {}
    for name, fn in methods(model, shap_samples).items():
        t0 = time.time()
        attr = fn(x, pred)
        maps[name] = attr[:n_show].detach()
        results[name] = deletion_auc(model, xte[:n_eval], target, attr.detach().numpy(), rng=rng)
        log(f"  {name:<22s} AUC {results[name][0]:7.3f}  ({time.time() - t0:.1f} s)")
    rand = [deletion_auc(model, xte[:n_eval], target, rng.random(x.shape), rng=rng) for _ in range(5)]
    results["random ordering"] = (float(np.mean([r[0] for r in rand])), np.mean([r[1] for r in rand], 0))
    if out:
        labels = [f"y={yte[i]} pred={target[i]}" for i in range(n_show)]
        visualize(x[:n_show], maps, path=os.path.join(out, "explain_mnist.png"), labels=labels, method="heat_map")
        _plot_curves(results, os.path.join(out, "explain_mnist_deletion.png"))
    return acc, results


def _plot_curves(results, path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    for name, (auc, curve) in results.items():
        ax.plot(np.linspace(0, 1, len(curve)), curve, ls="--" if name == "random ordering" else "-",
                label=f"{name} ({auc:.2f})")
    ax.set_xlabel("fraction of pixels removed (most attributed first)")
    ax.set_ylabel("logit of the predicted class")
    ax.set_title("deletion curves (lower area is better)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--n-train", type=int, default=12000)
    p.add_argument("--n-eval", type=int, default=100, help="test digits scored by the deletion curve")
    p.add_argument("--shap-samples", type=int, default=300)
    p.add_argument("--root", default=None, help="MNIST folder")
    p.add_argument("--out", default="runs", help="folder for the PNGs")
    p.add_argument("--quick", action="store_true", help="1 epoch on 2,000 images, 12 digits scored")
    a = p.parse_args(argv)
    if a.quick:
        a.epochs, a.n_train, a.n_eval, a.shap_samples = 1, 2000, 12, 100
    os.makedirs(a.out, exist_ok=True)
    acc, res = run(a.epochs, a.n_train, a.n_eval, min(8, a.n_eval), a.shap_samples, out=a.out, root=a.root)
    rnd = res["random ordering"][0]
    print(f"\ndeletion-curve AUC of the predicted logit on {a.n_eval} test digits (CNN test accuracy {acc:.1%}); "
          "lower is better")
    print(f"{'method':<22s} {'AUC':>8s} {'- random':>9s}")
    for name, (auc, _) in sorted(res.items(), key=lambda kv: kv[1][0]):
        print(f"{name:<22s} {auc:8.3f} {auc - rnd:+9.3f}")
    better = [n for n, (auc, _) in res.items() if n != "random ordering" and auc < rnd]
    print(f"methods beating the random ordering: {len(better)} of {len(res) - 1}")
    print(f"figures: {a.out}/explain_mnist.png (maps side by side), {a.out}/explain_mnist_deletion.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
