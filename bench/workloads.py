"""The training / inference workloads of ``bench/run.py``: each runs reograd and its peer on the same
weights and inputs, interleaved, and adds a row to the table."""
from __future__ import annotations

import time
import traceback
import warnings

import numpy as np

from common import interleaved
from models import basic_block, lenet5, load_mnist, mlp, pair, train_step


def _inputs(ctx, shape, n_classes=10, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.integers(0, n_classes, shape[0]).astype(np.int64)
    R, T = ctx.reograd, ctx.torch
    return (R.from_numpy(x), R.from_numpy(y)), (T.from_numpy(x.copy()), T.from_numpy(y.copy()))


def _train_pair(ctx, name, build, shape, opt, lr, number, target, loss="ce", extra_fn=None):
    R, T = ctx.reograd, ctx.torch
    rm, tm = pair(build, R, T)
    (rx, ry), (tx, ty) = _inputs(ctx, shape)
    if loss != "ce":  # regression target of the output's shape
        with T.no_grad():
            ty = T.zeros_like(tm(tx))
        ry = R.from_numpy(ty.numpy().copy())
    kw = {"momentum": 0.9} if opt == "SGD" else {}
    ropt = getattr(R.optim, opt)(rm.parameters(), lr=lr, **kw)
    topt = getattr(T.optim, opt)(tm.parameters(), lr=lr, **kw)
    rs, ts = train_step(R, rm, ropt, rx, ry, loss), train_step(T, tm, topt, tx, ty, loss)
    # same weights, same batch: the first losses agree (a check that we time the same computation)
    l_r, l_t = rs().item(), ts().item()
    res = interleaved({"r": rs, "t": ts}, repeat=ctx.repeat, number=number, warmup=2)
    extra = {"first_loss": [l_r, l_t]}
    if extra_fn:
        extra.update(extra_fn(res))
    ctx.table.add(name, res["r"], res["t"], target=target, extra=extra)
    if abs(l_r - l_t) > 1e-3 * max(1.0, abs(l_t)):
        print(f"   WARNING: first-step losses differ: reograd {l_r:.6f}, torch {l_t:.6f}")
    return res


def _unavailable(ctx, name, exc):
    msg = f"unavailable: {type(exc).__name__}: {str(exc).splitlines()[0][:90] if str(exc) else ''}"
    ctx.table.note(name, msg)
    if ctx.verbose:
        traceback.print_exc()


def mlp_sgd(ctx):
    """1. MLP 784-256-10, batch 128, SGD (momentum 0.9)."""
    _train_pair(ctx, "1. MLP 784-256-10 b128 SGD step", lambda L: mlp(L, (784, 256, 10)), (128, 784),
                "SGD", 0.01, 20, 1.2)


def mlp_adam(ctx):
    """2. MLP 784-1024-1024-10, batch 256, Adam: BLAS-bound; also reported as a share of the matmul ceiling."""
    B, sizes = 256, (784, 1024, 1024, 10)
    # GEMM flops of one step: forward (3), weight grads (3), input grads of layers 2 and 3 (2)
    fl = [2 * B * sizes[i] * sizes[i + 1] for i in range(3)]
    flops = 2 * sum(fl) + fl[1] + fl[2]

    def extra(res):
        g = flops / res["r"]["median"] / 1e9
        gt = flops / res["t"]["median"] / 1e9
        out = {"gflops_reograd": g, "gflops_torch": gt}
        if ctx.ceiling:
            out["share_of_ceiling"] = g / ctx.ceiling
            out["comment"] = (f"(reograd {g:.1f} GFLOP/s = {100 * g / ctx.ceiling:.0f}% of the {ctx.ceiling:.1f} "
                              f"GFLOP/s matmul ceiling, target >= 70%; torch {gt:.1f} GFLOP/s)")
        return out
    _train_pair(ctx, "2. MLP 784-1024-1024-10 b256 Adam step", lambda L: mlp(L, sizes), (B, 784), "Adam", 1e-3, 3,
                1.2, extra_fn=extra)


def lenet(ctx):
    """3. LeNet-5, batch 64, 1x28x28 input, SGD."""
    name = "3. LeNet-5 b64 28x28 SGD step"
    try:
        _train_pair(ctx, name, lenet5, (64, 1, 28, 28), "SGD", 0.01, 3, 2)
    except Exception as e:  # conv/pool modules may be missing or unfinished
        _unavailable(ctx, name, e)


def resblock(ctx):
    """4. ResNet basic block, batch 32, 64 channels, 32x32, SGD, MSE loss against zeros."""
    name = "4. ResNet basic block b32 64ch 32x32 step"
    try:
        _train_pair(ctx, name, basic_block, (32, 64, 32, 32), "SGD", 0.01, 1, 2, loss="mse")
    except Exception as e:
        _unavailable(ctx, name, e)


def xor(ctx):
    """5. Tiny ops: 10k steps of a 2-8-1 XOR network (tanh, MSE, SGD), batch 4."""
    R, T = ctx.reograd, ctx.torch
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
    y = np.array([[0], [1], [1], [0]], np.float32)

    def build(L):
        return L.nn.Sequential(L.nn.Linear(2, 8), L.nn.Tanh(), L.nn.Linear(8, 1))
    rm, tm = pair(build, R, T)
    ropt, topt = R.optim.SGD(rm.parameters(), lr=0.1), T.optim.SGD(tm.parameters(), lr=0.1)
    rs = train_step(R, rm, ropt, R.from_numpy(x), R.from_numpy(y), loss="mse")
    ts = train_step(T, tm, topt, T.from_numpy(x.copy()), T.from_numpy(y.copy()), loss="mse")

    def loop(step):
        def run():
            for _ in range(10_000):
                step()
        return run
    res = interleaved({"r": loop(rs), "t": loop(ts)}, repeat=max(3, ctx.repeat // 2), warmup=0)
    ctx.table.add("5. XOR 2-8-1 b4: 10k SGD steps", res["r"], res["t"], target=2,
                  extra={"final_loss": [rs().item(), ts().item()]})


def mnist_epoch(ctx):
    """6. One epoch of MNIST, MLP 784-256-10, batch 128, Adam: reograd vs PyTorch vs scikit-learn."""
    name = "6. MNIST epoch MLP 784-256-10 b128 Adam"
    data = load_mnist()
    if data is None:
        ctx.table.note(name, "unavailable: MNIST not found under $REOGRAD_DATA/mnist")
        return
    xtr, ytr, xte, yte = data
    R, T = ctx.reograd, ctx.torch
    n, bs = len(xtr), 128
    perm = np.random.default_rng(0).permutation(n)
    xtr, ytr = np.ascontiguousarray(xtr[perm]), ytr[perm]

    def lib_epoch(L):
        def run():
            L.manual_seed(0)
            model = mlp(L, (784, 256, 10))
            opt = L.optim.Adam(model.parameters(), lr=1e-3)
            X, Y = L.from_numpy(xtr), L.from_numpy(ytr)
            F = L.nn.functional
            t0 = time.perf_counter()
            for i in range(0, n, bs):
                opt.zero_grad()
                F.cross_entropy(model(X[i:i + bs]), Y[i:i + bs]).backward()
                opt.step()
            dt = time.perf_counter() - t0
            with L.no_grad():
                acc = float((model(L.from_numpy(xte)).argmax(1).numpy() == yte).mean())
            return dt, acc
        return run

    runs = {"reograd": lib_epoch(R), "torch": lib_epoch(T)}
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        def sk():
            clf = MLPClassifier(hidden_layer_sizes=(256,), batch_size=128, solver="adam", max_iter=1,
                                learning_rate_init=1e-3, shuffle=False, random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                t0 = time.perf_counter()
                clf.fit(xtr, ytr)
                dt = time.perf_counter() - t0
            return dt, float(clf.score(xte, yte))
        runs["sklearn"] = sk
    except ImportError:
        print("   (scikit-learn not installed: pip install scikit-learn to add it as a peer)")
    times = {k: [] for k in runs}
    accs = {k: [] for k in runs}
    for _ in range(max(1, ctx.epochs)):
        for k, f in runs.items():
            dt, acc = f()
            times[k].append(dt)
            accs[k].append(acc)
    st = {k: {"median": float(np.median(v)), "min": min(v), "max": max(v)} for k, v in times.items()}
    acc = {k: float(np.median(v)) for k, v in accs.items()}
    ctx.table.add(name + " (wall)", st["reograd"], st["torch"], target=1.2, extra={"accuracy": acc})
    if "sklearn" in st:
        ctx.table.add(name + " (wall)", st["reograd"], st["sklearn"], peer_name="sklearn", target=0.5,
                      extra={"accuracy": acc})
    print("   test accuracy after 1 epoch: " + ", ".join(f"{k} {v:.4f}" for k, v in acc.items()))


def inference(ctx):
    """7. Inference: MLP 784-256-10 and LeNet-5 forward under no_grad, batch 1 and 256."""
    R, T = ctx.reograd, ctx.torch
    for label, build, shape in (("MLP 784-256-10", lambda L: mlp(L, (784, 256, 10)), (784,)),
                                ("LeNet-5", lenet5, (1, 28, 28))):
        for b in (1, 256):
            name = f"7. infer {label} b{b}"
            try:
                rm, tm = pair(build, R, T)
                rm.eval()
                tm.eval()
                (rx, _), (tx, _) = _inputs(ctx, (b, *shape))

                def fwd(L, m, x):
                    def run():
                        with L.no_grad():
                            m(x)
                    return run
                with R.no_grad(), T.no_grad():
                    err = float(np.abs(rm(rx).numpy() - tm(tx).numpy()).max())
                number = 200 if b == 1 else (20 if label.startswith("MLP") else 2)
                res = interleaved({"r": fwd(R, rm, rx), "t": fwd(T, tm, tx)}, repeat=ctx.repeat, number=number)
                ctx.table.add(name, res["r"], res["t"], target=2 if "LeNet" in label else 1.2,
                              extra={"max_abs_diff": err})
            except Exception as e:
                _unavailable(ctx, name, e)
