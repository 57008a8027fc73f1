"""``HealthMonitor``: per-layer statistics of a training run, and diagnoses of why training stalls.

The notes' five causes of an optimisation stall (seed 000/001, after Glorot & Bengio 2010), read off the
weight update of a hidden unit ``dv_ij = -lr * x_i a'(v_j . x) sum_k w_jk delta_k``:

1. the inputs ``x_i`` are zero or tiny;
2. the activation's derivative ``a'`` is small: saturated sigmoid/tanh units (``a' < 1e-2``);
3. the weights ``w_jk`` are close to zero;
4. updates too large: weights grow, units saturate, gradients explode;
5. the network's output range cannot match the target's.

Plus: each layer multiplies the backpropagated gradient by another ``a'`` factor, so "gradients for
layers far from the output vanish" (seed 002); dead ReLUs pass no gradient at all; and "maintaining
proper statistics of the activations and derivatives is critical" -- layer inputs within about [-2, 2].

Every ``every`` steps the monitor hooks the model for one step and records, per layer: the activations'
mean, std and range, the fraction of saturated units (sigmoid/tanh), of dead ReLUs (zero on the whole
batch) and of near-zero inputs, the backpropagated gradient (w.r.t. the layer's output) and the weight
gradient (norm, RMS, histogram), the weight norm and the update-to-weight ratio ``||dW|| / ||W||``; and
at the output, the output's range against the target's. Between sampled steps no hook is attached, so the
model runs at full speed. :meth:`HealthMonitor.diagnose` turns the records into sentences naming the
cause and the notes' cures; :meth:`~HealthMonitor.plot_histograms` draws the Glorot-Bengio per-layer
histograms, :meth:`~HealthMonitor.plot_convergence` the convergence plot.

    monitor = HealthMonitor(model, every=10)
    for x, y in loader:                                   # a plain loop ...
        loss = F.cross_entropy(out := model(x), y)
        opt.zero_grad(); loss.backward(); opt.step()
        monitor.step(loss, output=out, target=y)          # after optimizer.step()
    print(monitor.report())

    fit(model, loader, epochs=3, callbacks=[HealthMonitor(model)])   # ... or as a Trainer callback
"""
from __future__ import annotations

import math
import statistics
import warnings

import numpy as np

import reograd
from reograd import nn
from reograd.backend import get_array_module

from .callbacks import Callback
from .health_rules import Diagnosis, diagnose_records

__all__ = ["HealthMonitor", "TrainingHealthWarning", "Diagnosis"]

SATURATING = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.Hardtanh: "hardtanh", nn.Hardsigmoid: "hardsigmoid",
              nn.Softsign: "softsign"}
RELUS = (nn.ReLU, nn.ReLU6)
NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.LayerNorm, nn.GroupNorm, nn.InstanceNorm1d,
         nn.InstanceNorm2d, nn.InstanceNorm3d)
HIST_SAMPLE = 4096  # at most this many values go into a histogram (a strided subsample)


class TrainingHealthWarning(UserWarning):
    """Warned by :class:`HealthMonitor` as soon as it sees NaN/Inf or exploding gradients."""


def _saturation(kind, a, mom, threshold, xp):
    """``(fraction with a' < threshold, mean a')`` from the activation's output ``a`` (``mom``: its moments).

    For sigmoid (a' = a(1 - a)) and tanh (a' = 1 - a^2) both come from thresholds on ``a`` and the moments
    (mean a' = mean a - mean a^2, or 1 - mean a^2): no temporary arrays."""
    mean, std, _, _ = mom
    sq = std * std + mean * mean  # mean of a^2
    n = max(a.size, 1)
    if kind == "sigmoid":
        r = (1 - math.sqrt(max(1 - 4 * threshold, 0.0))) / 2  # a(1 - a) < t  <=>  a < r or a > 1 - r
        return (int(xp.count_nonzero(a < r)) + int(xp.count_nonzero(a > 1 - r))) / n, mean - sq
    if kind == "tanh":
        c = math.sqrt(max(1 - threshold, 0.0))  # 1 - a^2 < t  <=>  |a| > c
        return (int(xp.count_nonzero(a > c)) + int(xp.count_nonzero(a < -c))) / n, 1 - sq
    if kind == "softsign":  # y = x / (1 + |x|): y' = (1 - |y|)^2
        d = (1 - xp.abs(a)) ** 2
    elif kind == "hardtanh":
        d = ((a > -1) & (a < 1)).astype(a.dtype)
    else:  # hardsigmoid
        d = ((a > 0) & (a < 1)).astype(a.dtype)
    return _fraction(d < threshold, xp), float(d.sum()) / n


def _moments(a, xp):
    """``(mean, std, min, max)`` of ``a`` (the variance from the sums of values and squares: one pass each)."""
    flat = a.ravel()
    n = max(flat.size, 1)
    mean = float(flat.sum()) / n
    var = float(xp.vdot(flat, flat)) / n - mean * mean
    return mean, math.sqrt(var) if var > 0 else (0.0 if var == var else var), float(flat.min()), float(flat.max())


def _fraction(mask, xp):
    """The fraction of True in a boolean array (count_nonzero: no float conversion of the whole mask)."""
    return int(xp.count_nonzero(mask)) / max(mask.size, 1)


def _rms(a, xp):
    flat = a.ravel()
    return math.sqrt(float(xp.vdot(flat, flat)) / max(flat.size, 1))


def _sample(a):
    """At most HIST_SAMPLE values of ``a`` (a strided subsample), flat."""
    flat = a.ravel()
    return flat[::-(-flat.size // HIST_SAMPLE)] if flat.size > HIST_SAMPLE else flat


def _histogram(a, bins, xp, sampled=False):
    """``(counts, lo, hi)``: ``bins`` equal bins over [lo, hi] = [min, max] of (a strided sample of at most
    HIST_SAMPLE values of) ``a``, counts as a NumPy array; None when nothing is finite."""
    flat = a if sampled else _sample(a)
    lo, hi = float(flat.min()), float(flat.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        flat = flat[xp.isfinite(flat)]
        if flat.size == 0:
            return None
        lo, hi = float(flat.min()), float(flat.max())
    if hi <= lo:
        hi = lo + 1e-12
    # uniform bins by arithmetic and bincount: several times faster than np.histogram
    t = flat - lo
    t *= bins / (hi - lo)
    idx = t.astype(xp.int32)
    xp.minimum(idx, bins - 1, out=idx)
    counts = xp.bincount(idx, minlength=bins)
    counts = counts.get() if hasattr(counts, "get") else counts
    return np.asarray(counts, dtype=np.float64), lo, hi


def _gradient_histograms(g, bins, xp):
    """The histograms of a gradient and of log10 of its nonzero magnitudes (for gradients that span orders
    of magnitude), from one subsample."""
    flat = _sample(g)
    mag = xp.abs(flat)
    mag = mag[mag > 0]
    return _histogram(flat, bins, xp, True), (_histogram(xp.log10(mag), bins, xp, True) if mag.size else None)


def _is_weight_layer(module):
    """A module with a trainable weight matrix (Linear, Conv..., Embedding): the layers numbered 1.. ."""
    w = getattr(module, "weight", None)
    return isinstance(w, nn.Parameter) and w.dim() >= 2 and w.requires_grad


class HealthMonitor(Callback):
    """Records per-layer training statistics every ``every`` steps and diagnoses stalls (module docstring).

    Args:
        model: the ``nn.Module`` being trained.
        every: sample one step in ``every`` (the first step is always sampled).
        layers: the modules to watch (default: every leaf module with a weight matrix, every activation
            and normalisation module).
        bins: histogram bins.
        saturation_threshold: an activation counts as saturated where ``a' <`` this (1e-2).
        near_zero: an input counts as near zero where ``|x| <`` this.
        warn: warn (``TrainingHealthWarning``) at once on NaN/Inf and exploding gradients.

    Use :meth:`step` after each ``optimizer.step()`` in a plain loop, or pass the monitor to
    ``Trainer``/``fit`` as a callback. Results: :attr:`losses` (every step), :attr:`records` (one dict per
    sampled step: ``step``, ``loss``, ``layers`` -- per watched module the statistics ``mean``, ``std``,
    ``min``, ``max``, ``saturated``, ``mean_derivative``, ``dead``, ``input_near_zero``, ``input_outside_2``,
    ``input_std``, ``backprop_rms``, ``grad_norm``, ``grad_rms``, ``weight_norm``, ``weight_rms``,
    ``update_ratio`` where they apply --, ``hist``, ``grad_norm``, ``output_range``, ``target_range``,
    ``nonfinite``), :meth:`history`, :meth:`diagnose`, :meth:`report`, :meth:`summary`,
    :meth:`plot_histograms`, :meth:`plot_convergence`.
    """

    def __init__(self, model, every=10, layers=None, bins=30, saturation_threshold=1e-2, near_zero=1e-3, warn=True):
        if not isinstance(model, nn.Module):
            raise TypeError(f"HealthMonitor: model must be an nn.Module, got {type(model).__name__}")
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"HealthMonitor: every must be a positive int, got {every!r}")
        self.model, self.every, self.bins = model, every, bins
        self.saturation_threshold, self.near_zero, self.warn = saturation_threshold, near_zero, warn
        named = dict(model.named_modules())
        if layers is None:
            watched = [(n, m) for n, m in named.items() if next(iter(m.children()), None) is None
                       and (_is_weight_layer(m) or isinstance(m, tuple(SATURATING) + RELUS)
                            or isinstance(m, NORMS))]
        else:
            ids = {id(m): n for n, m in named.items()}
            watched = [(ids.get(id(m), type(m).__name__), m) for m in layers]
        self.watched = [(n or type(m).__name__, m) for n, m in watched]
        self._weights = None
        self._has_activations = any(isinstance(m, tuple(SATURATING) + RELUS) for _, m in self.watched)
        self.records = []
        self.losses = []
        self.order = None  # watched module names in the order the forward pass calls them
        self._step = 0
        self._armed = False
        self._handles = []
        self._current = None
        self._snapshot = {}
        self._warned = set()
        self._trainer_loss_fn = None
        self._captured = (None, None)
        self._arm()

    # ------------------------------------------------------------------ sampling
    def _weight_layers(self):
        if self._weights is None:
            self._weights = [(n, m) for n, m in self.watched if _is_weight_layer(m)]
        return self._weights

    def _arm(self):
        self._armed = True
        self._current = {"step": self._step, "layers": {}, "hist": {}, "calls": [], "moments": {}}
        self._snapshot = {n: get_array_module(m.weight._array()).array(m.weight._array(), copy=True)
                          for n, m in self._weight_layers()}
        for name, m in self.watched:
            self._handles.append(m.register_forward_hook(self._make_forward_hook(name, m)))
        self._handles.append(self.model.register_forward_hook(self._root_hook))

    def _disarm(self):
        for h in self._handles:
            h.remove()
        self._handles = []
        self._armed = False

    def _root_hook(self, module, args, output):
        if reograd.is_grad_enabled() and isinstance(output, reograd.Tensor):
            self._current["output"] = output

    def _make_forward_hook(self, name, module):
        kind = next((k for cls, k in SATURATING.items() if isinstance(module, cls)), None)
        relu = isinstance(module, RELUS)
        weight = _is_weight_layer(module)

        def hook(mod, args, output):
            if not reograd.is_grad_enabled() or not isinstance(output, reograd.Tensor):
                return None  # evaluation passes are not training statistics
            with np.errstate(all="ignore"):  # NaN/Inf are reported by the monitor itself
                record(mod, args, output)

        def record(mod, args, output):
            cur = self._current
            cur["calls"].append(name)
            a = output._array()
            xp = get_array_module(a)
            mom = _moments(a, xp)
            cur["moments"][id(a)] = (a, mom)  # the next layer's input is often this very array
            st = dict(zip(("mean", "std", "min", "max"), mom))
            st["kind"] = "weight" if weight else (kind or ("relu" if relu else "norm"))
            if kind is not None:
                st["saturated"], st["mean_derivative"] = _saturation(kind, a, mom, self.saturation_threshold, xp)
            if relu and a.ndim >= 1 and a.shape[0] > 0:
                off = a <= 0
                st["dead"] = _fraction(off.reshape(a.shape[0], -1).all(axis=0), xp)
                st["zero"] = _fraction(off, xp)
            x = args[0] if args and isinstance(args[0], reograd.Tensor) else None
            if weight and x is not None and x.is_floating_point():
                xa = x._array()
                seen = cur["moments"].get(id(xa))
                mom = seen[1] if seen is not None and seen[0] is xa else _moments(xa, xp)
                _, st["input_std"], st["input_min"], _ = mom
                ab = xa if mom[2] >= 0 else xp.abs(xa)
                st["input_near_zero"] = _fraction(ab < self.near_zero, xp)
                st["input_outside_2"] = _fraction(ab > 2, xp)
                st["input_mean_abs"] = float(ab.sum()) / max(ab.size, 1)
            cur["layers"][name] = st
            h = cur["hist"].setdefault(name, {})
            # histograms (Glorot & Bengio's figures): activations after the activation layers (or after the
            # weight layers when the model has no activation modules), backpropagated gradients at the weight
            # layers' outputs (dL/dz) and, in _finish, the weight gradients
            if not weight or not self._has_activations:
                h["activation"] = _histogram(a, self.bins, xp)
            if output.requires_grad:
                def grad_hook(g, st=st, h=h):
                    ga = g._array()
                    gxp = get_array_module(ga)
                    with np.errstate(all="ignore"):
                        st["backprop_rms"] = _rms(ga, gxp)
                        if weight:
                            h["gradient"], h["gradient_log10"] = _gradient_histograms(ga, self.bins, gxp)
                output.register_hook(grad_hook)

        return hook

    def _finish(self, loss, output, target):
        cur = self._current
        if not cur["calls"]:
            return  # no training forward pass happened while armed
        if self.order is None:
            self.order = list(dict.fromkeys(cur["calls"]))
        cur["loss"] = loss
        nonfinite = [] if loss is None or math.isfinite(loss) else ["loss"]
        total_sq = 0.0
        for name, m in self._weight_layers():
            st = cur["layers"].get(name)
            if st is None:
                continue
            w = m.weight._array()
            xp = get_array_module(w)
            old = self._snapshot.get(name)
            st["weight_norm"] = math.sqrt(float(xp.vdot(w.ravel(), w.ravel())))
            st["weight_rms"] = st["weight_norm"] / math.sqrt(max(w.size, 1))
            st["fan_in"] = w.size // max(w.shape[0], 1)
            if old is not None:
                old_norm = math.sqrt(float(xp.vdot(old.ravel(), old.ravel())))
                d = w - old
                st["update_ratio"] = math.sqrt(float(xp.vdot(d.ravel(), d.ravel()))) / max(old_norm, 1e-30)
            if m.weight.grad is not None:
                g = m.weight.grad._array()
                gn = math.sqrt(float(xp.vdot(g.ravel(), g.ravel())))
                st["grad_norm"], st["grad_rms"] = gn, gn / math.sqrt(max(g.size, 1))
                total_sq += gn * gn
                h = cur["hist"].setdefault(name, {})
                h["weight_gradient"], h["weight_gradient_log10"] = _gradient_histograms(g, self.bins, xp)
                if not math.isfinite(gn):
                    nonfinite.append(f"{name}.weight.grad")
        for name, st in cur["layers"].items():
            if not (math.isfinite(st["mean"]) and math.isfinite(st["std"])):
                nonfinite.append(f"{name} activations")
        cur["grad_norm"] = math.sqrt(total_sq) if math.isfinite(total_sq) else math.inf
        cur["nonfinite"] = nonfinite
        out = output if output is not None else cur.get("output")
        cur.pop("output", None)
        cur["output_range"] = cur["target_range"] = None
        if isinstance(out, reograd.Tensor) and out.is_floating_point() and out.numel():
            o = out.detach()
            cur["output_range"] = (float(o.min()), float(o.max()))
            cur["output_classes"] = int(o.shape[1]) if o.dim() == 2 else None
            if isinstance(target, reograd.Tensor) and target.is_floating_point() and target.numel() == o.numel():
                cur["target_range"] = (float(target.min()), float(target.max()))
        cur["last_module"] = self.order[-1] if self.order else None
        cur.pop("moments", None)
        cur["calls"] = len(cur["calls"])
        self.records.append(cur)
        if self.warn:
            self._early_warnings(cur)

    def _early_warnings(self, rec):
        if rec["nonfinite"] and "nan" not in self._warned:
            self._warned.add("nan")
            warnings.warn(f"HealthMonitor: NaN/Inf at step {rec['step']} in {', '.join(rec['nonfinite'][:4])}: lower "
                          "the learning rate, clip the gradients (clip_grad_norm_), check the data and any log/divide",
                          TrainingHealthWarning, stacklevel=4)
        if "explode" in self._warned:
            return
        past = [r["grad_norm"] for r in self.records[:-1] if math.isfinite(r.get("grad_norm", math.nan))]
        if len(past) >= 3:
            med = statistics.median(past)
            if med > 0 and rec["grad_norm"] > 100 * med:
                self._warned.add("explode")
                warnings.warn(f"HealthMonitor: exploding gradients at step {rec['step']}: the gradient norm is "
                              f"{rec['grad_norm']:.3g}, {rec['grad_norm'] / med:.0f}x its median so far: lower the "
                              "learning rate or clip the gradients", TrainingHealthWarning, stacklevel=4)

    def step(self, loss=None, output=None, target=None):
        """Call once per training step, after ``optimizer.step()``.

        Args:
            loss: the step's loss (Tensor or float), recorded every step for the convergence plot.
            output: the model's output this step (default: what the model returned, captured by a hook).
            target: the targets, for the output-range check (floating targets of the output's size).
        """
        lv = None
        if loss is not None:
            lv = float(loss.item() if isinstance(loss, reograd.Tensor) else loss)
            self.losses.append(lv)
        if self._armed:
            self._disarm()
            with np.errstate(all="ignore"):
                self._finish(lv, output, target)
        self._step += 1
        if self._step % self.every == 0:
            self._arm()

    def close(self):
        """Remove every hook (the records stay)."""
        self._disarm()

    # ------------------------------------------------------------------ Trainer callback
    def on_train_begin(self, trainer):
        """Capture the outputs and targets through the trainer's loss function."""
        self._trainer_loss_fn = trainer.loss_fn

        def loss_fn(out, y, _orig=trainer.loss_fn):
            self._captured = (out, y)
            return _orig(out, y)

        trainer.loss_fn = loss_fn

    def on_batch_end(self, trainer, batch, logs):
        """One training step done: record it (every ``every`` steps)."""
        out, y = self._captured
        self._captured = (None, None)
        self.step(logs.get("loss"), output=out if isinstance(out, reograd.Tensor) else None,
                  target=y if isinstance(y, reograd.Tensor) else None)

    def on_train_end(self, trainer, logs=None):
        """Restore the trainer's loss function and remove the hooks."""
        if self._trainer_loss_fn is not None:
            trainer.loss_fn = self._trainer_loss_fn
            self._trainer_loss_fn = None
        self.close()

    # ------------------------------------------------------------------ results
    def layer_names(self):
        """The weight layers in forward order, numbered 1.. in the diagnoses."""
        order = self.order or [n for n, _ in self.watched]
        weights = {n for n, m in self._weight_layers()}
        return [n for n in order if n in weights]

    def history(self, name, key):
        """``(steps, values)`` of one statistic of one layer over the sampled steps (e.g.
        ``history("fc1", "grad_rms")``)."""
        steps, vals = [], []
        for r in self.records:
            st = r["layers"].get(name)
            if st is not None and key in st:
                steps.append(r["step"])
                vals.append(st[key])
        return steps, vals

    def diagnose(self, window=5):
        """The problems seen in the last ``window`` sampled steps, as :class:`Diagnosis` objects (their
        ``str`` is a sentence naming the cause and the cures); an empty list when training looks healthy."""
        return diagnose_records(self.records[-window:], self.order or [n for n, _ in self.watched],
                                self.layer_names(), self.losses, self.saturation_threshold)

    def report(self, window=5):
        """The diagnoses and a per-layer table of the latest statistics, as text."""
        diags = self.diagnose(window)
        lines = [str(d) for d in diags] or ["no problems found: gradients, activations and updates look healthy"]
        if self.records:
            lines.append(self.summary())
        return "\n".join(lines)

    def summary(self):
        """A table of the last sampled step: per layer, activation mean/std, saturated and dead fractions,
        backpropagated and weight gradient RMS, weight RMS and update ratio."""
        if not self.records:
            return "(no step recorded yet)"
        rec = self.records[-1]
        head = (f"step {rec['step']}: {'layer':<18} {'act mean':>9} {'act std':>8} {'sat%':>6} {'dead%':>6} "
                f"{'dL/da rms':>10} {'dL/dW rms':>10} {'W rms':>9} {'dW/W':>9}")
        rows = [head]
        for name in (self.order or []):
            st = rec["layers"].get(name)
            if st is None:
                continue

            def f(key, fmt="{:.2e}", scale=1.0):
                return fmt.format(st[key] * scale) if key in st else "-"
            rows.append(f"{'':>{len(str(rec['step'])) + 6}} {name[:18]:<18} {st['mean']:>9.3f} {st['std']:>8.3f} "
                        f"{f('saturated', '{:.0f}', 100):>6} {f('dead', '{:.0f}', 100):>6} {f('backprop_rms'):>10} "
                        f"{f('grad_rms'):>10} {f('weight_rms'):>9} {f('update_ratio'):>9}")
        return "\n".join(rows)

    # ------------------------------------------------------------------ plots
    def plot_histograms(self, path=None, kind="gradient", record=-1, ax=None, scale="auto"):
        """Glorot & Bengio's figure: one normalised histogram per layer (lines), at one sampled step.

        Args:
            kind: ``"gradient"`` (backpropagated gradients dL/dz at the weight layers' outputs, G&B's
                Fig. 7), ``"activation"`` or ``"weight_gradient"``.
            record: which sampled step (index into :attr:`records`; -1 the last).
            scale: ``"linear"``, ``"log"`` (histograms of log10 |g|, for gradients only) or ``"auto"``: log
                when the layers' RMS gradients differ by more than 100x (vanishing or exploding).
            path: save the figure there; ``ax``: draw into this axis instead.
        Returns: the Figure (None when drawing into ``ax``).
        """
        if kind not in ("gradient", "activation", "weight_gradient"):
            raise ValueError(f"plot_histograms: kind must be 'gradient', 'activation' or 'weight_gradient', got "
                             f"{kind!r}")
        if scale not in ("auto", "linear", "log"):
            raise ValueError(f"plot_histograms: scale must be 'auto', 'linear' or 'log', got {scale!r}")
        if not self.records:
            raise RuntimeError("plot_histograms: nothing recorded yet")
        rec = self.records[record]
        fig, ax = _axis(ax, (6, 4))
        names = [n for n in (self.order or []) if rec["hist"].get(n, {}).get(kind) is not None]
        if kind != "activation" and scale == "auto":
            key = "backprop_rms" if kind == "gradient" else "grad_rms"
            rms = [rec["layers"][n].get(key, 0.0) for n in names]
            rms = [r for r in rms if r > 0 and math.isfinite(r)]
            scale = "log" if rms and max(rms) > 100 * min(rms) else "linear"
        log = kind != "activation" and scale == "log"
        numbers = {n: i + 1 for i, n in enumerate(self.layer_names())}
        for name in names:
            h = rec["hist"][name].get(kind + "_log10" if log else kind)
            if h is None:
                continue
            counts, lo, hi = h
            edges = np.linspace(lo, hi, len(counts) + 1)
            label = f"{numbers[name]}: {name}" if name in numbers else name
            ax.plot((edges[1:] + edges[:-1]) / 2, counts / max(counts.sum(), 1), label=label)
        what = {"gradient": "dL/dz", "activation": "activation", "weight_gradient": "dL/dW"}[kind]
        ax.set_title(f"{kind.replace('_', ' ')} histograms per layer, step {rec['step']}")
        ax.set_xlabel(f"log10 |{what}|" if log else what)
        ax.set_ylabel("normalised frequency")
        if names:
            ax.legend(fontsize=6, ncol=2)
        return _save(fig, path)

    def plot_convergence(self, path=None):
        """The convergence plot: the loss per step (with a moving average), and per weight layer the RMS
        weight gradient and the update-to-weight ratio over the sampled steps (log scales)."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=(12, 3.6))
        axes = fig.subplots(1, 3)
        if self.losses:
            ls = np.asarray(self.losses, dtype=np.float64)
            axes[0].plot(ls, lw=0.6, alpha=0.5, label="loss")
            k = max(1, len(ls) // 50)
            if k > 1:
                axes[0].plot(np.arange(k - 1, len(ls)), np.convolve(ls, np.ones(k) / k, mode="valid"),
                             label=f"mean of {k}")
            axes[0].legend(fontsize=7)
        axes[0].set_title("convergence")
        axes[0].set_xlabel("step")
        for i, name in enumerate(self.layer_names()):
            for ax, key in ((axes[1], "grad_rms"), (axes[2], "update_ratio")):
                s, v = self.history(name, key)
                v = [max(x, 1e-30) for x in v]
                if s:
                    ax.plot(s, v, label=f"{i + 1}: {name}")
        for ax, title in ((axes[1], "RMS weight gradient"), (axes[2], "update / weight ratio")):
            ax.set_yscale("log")
            ax.set_title(title)
            ax.set_xlabel("step")
            if self.layer_names():
                ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        return _save(fig, path)


def _axis(ax, size):
    if ax is not None:
        return None, ax
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is optional
        raise ImportError("HealthMonitor plots need matplotlib: pip install matplotlib") from None
    fig = Figure(figsize=size)
    return fig, fig.subplots()


def _save(fig, path):
    if fig is not None:
        fig.tight_layout()
        if path is not None:
            fig.savefig(path)
    return fig
