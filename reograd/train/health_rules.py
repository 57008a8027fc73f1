"""The rules that turn :class:`~reograd.train.health.HealthMonitor` records into diagnoses.

Each rule names one of the notes' causes of a learning stall (seed 000/001) and the cures the notes
give for it; the thresholds are rules of thumb, stated in each message:

- vanishing gradients: the RMS weight gradient of the input layer is below 1e-2 of the output layer's;
- exploding gradients: it is above 1e2 of it; updates too large: ``||dW|| / ||W|| > 0.1`` (healthy ~1e-3);
- saturation: over 30% of a sigmoid/tanh layer's units have ``a' < 1e-2``;
- dead ReLUs: over 30% of a layer's units are zero on the whole batch;
- inputs zero or tiny: over 50% of a layer's inputs below ``near_zero`` (the data, or signed inputs: not
  the non-negative outputs of ReLUs) or their mean |x| below 1e-2; weights near zero: RMS below 1% of the default init's ``1/sqrt(3 fan_in)``;
- layer inputs outside [-2, 2]: more than 20% of them, or std above 2;
- output range: a bounded output activation that cannot reach the targets, or outputs covering less
  than half of the targets' range;
- learning stall: the loss's mean over the last tenth of the steps is within 2% of the first tenth's, or
  within 2% of chance level (log C for C classes).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["Diagnosis", "diagnose_records"]

BOUNDS = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "hardtanh": (-1.0, 1.0), "hardsigmoid": (0.0, 1.0),
          "softsign": (-1.0, 1.0)}
CURE_VANISH = "try ReLU/LeakyReLU, batch norm, residual connections, or fewer layers"
CURE_SATURATE = ("don't use saturating activations (LeakyReLU/ReLU rather than sigmoid/tanh), scale the inputs, "
                 "don't let weights get large (proper init, weight decay), or add batch norm")


class Diagnosis:
    """One finding: ``kind`` (``"vanishing_gradients"``, ``"saturation"``...), the notes' ``cause``
    number (1-5, or None), the weight-layer numbers involved, and the sentence (``str(d)``)."""

    def __init__(self, kind, message, layers=(), cause=None):
        self.kind, self.message, self.layers, self.cause = kind, message, list(layers), cause

    def __str__(self):
        return self.message

    def __repr__(self):
        return f"Diagnosis({self.kind!r}, {self.message!r})"


def _span(nums):
    """'3', '2–5' or '1, 4–6' for sorted layer numbers."""
    nums = sorted(set(nums))
    parts, start = [], None
    for i, n in enumerate(nums):
        if start is None:
            start = n
        if i + 1 == len(nums) or nums[i + 1] != n + 1:
            parts.append(f"{start}" if start == n else f"{start}–{n}")
            start = None
    return ", ".join(parts)


def _layers_word(nums):
    return ("layer " if len(set(nums)) == 1 else "layers ") + _span(nums)


def _mean_stat(records, name, key):
    vals = [r["layers"][name][key] for r in records if name in r["layers"] and key in r["layers"][name]]
    vals = [v for v in vals if v == v]
    return float(np.mean(vals)) if vals else None


def _owners(order, weight_layers):
    """Each watched module's weight-layer number: the last weight layer called before it (1-based)."""
    num, owner = 0, {}
    index = {n: i + 1 for i, n in enumerate(weight_layers)}
    for n in order:
        if n in index:
            num = index[n]
        owner[n] = max(num, 1)
    return owner


def diagnose_records(records, order, weight_layers, losses, saturation_threshold=1e-2):
    """The :class:`Diagnosis` list for the given records (the most recent sampled steps)."""
    out = []
    if not records:
        return out
    owner = _owners(order, weight_layers)
    kinds = {}
    for r in records:
        for n, st in r["layers"].items():
            kinds.setdefault(n, st.get("kind"))

    bad = [(r["step"], r["nonfinite"]) for r in records if r.get("nonfinite")]
    if bad:
        step, where = bad[0]
        out.append(Diagnosis("nonfinite", f"NaN/Inf at step {step} in {', '.join(where[:4])}: the updates diverged "
                             "(cause 4) or an op overflowed: lower the learning rate, clip the gradients "
                             "(clip_grad_norm_), check the data and any log/divide", cause=4))

    sat = {}
    for n, k in kinds.items():
        if k in BOUNDS:
            v = _mean_stat(records, n, "saturated")
            if v is not None:
                sat[n] = v
    sat_layers = {n: v for n, v in sat.items() if v > 0.3}
    dead = {n: v for n in kinds if kinds[n] == "relu" for v in [_mean_stat(records, n, "dead")] if v is not None}
    dead_layers = {n: v for n, v in dead.items() if v > 0.3}
    tiny_w = []
    for i, n in enumerate(weight_layers):
        rms, fan = _mean_stat(records, n, "weight_rms"), _mean_stat(records, n, "fan_in")
        if rms is not None and fan:
            if rms < 0.01 / math.sqrt(3 * fan):
                tiny_w.append(i + 1)

    rms = [_mean_stat(records, n, "grad_rms") for n in weight_layers]
    if len(weight_layers) >= 2 and rms[0] is not None and rms[-1] is not None and rms[-1] > 0:
        ratio = rms[0] / rms[-1]
        nl = len(weight_layers)
        if ratio < 1e-2:
            small = [i + 1 for i, v in enumerate(rms) if v is not None and v < 1e-2 * rms[-1]]
            first = f"layers 1–{max(small) if small else nl}"
            if sat_layers:
                share = np.mean(list(sat_layers.values()))
                kind = kinds[next(iter(sat_layers))]
                why = (f"{kind} saturation in {_layers_word([owner[n] for n in sat_layers])} "
                       f"({share:.0%} of units have a' < {saturation_threshold:g})")
            elif sat:
                md = [_mean_stat(records, n, "mean_derivative") for n in sat]
                md = [v for v in md if v is not None]
                kind = kinds[next(iter(sat))]
                why = (f"each {kind} multiplies the gradient by a' < 1 (mean a' {np.mean(md):.2f} in "
                       f"{_layers_word([owner[n] for n in sat])}), and {nl} such factors make it vanish")
            elif dead_layers:
                why = (f"dead ReLUs in {_layers_word([owner[n] for n in dead_layers])} "
                       f"({np.mean(list(dead_layers.values())):.0%} of units pass no gradient)")
            elif tiny_w:
                why = f"weights near zero in {_layers_word(tiny_w)} (cause 3)"
            else:
                why = f"the product of {nl} layers' Jacobians shrinks it"
            out.append(Diagnosis("vanishing_gradients",
                                 f"{first}: the gradient norm per weight falls x{ratio:.0e} from the output layer "
                                 f"({nl}) to the input layer (1): vanishing gradients — {why}; {CURE_VANISH}",
                                 range(1, nl + 1), cause=2 if sat else None))
        elif ratio > 1e2:
            out.append(Diagnosis("exploding_gradients",
                                 f"layers 1–{nl}: the gradient norm per weight grows x{ratio:.0e} from the output "
                                 f"layer to the input layer: exploding gradients (cause 4): lower the learning rate, "
                                 "clip the gradients (clip_grad_norm_), use a proper init (Kaiming/Xavier) or batch "
                                 "norm", range(1, nl + 1), cause=4))

    big = []
    for i, n in enumerate(weight_layers):
        v = max([r["layers"][n].get("update_ratio", 0.0) for r in records if n in r["layers"]] or [0.0])
        if v > 0.1:
            big.append((i + 1, v))
    if big:
        worst = max(v for _, v in big)
        out.append(Diagnosis("updates_too_large",
                             f"{_layers_word([i for i, _ in big])}: the update / weight ratio reaches {worst:.2g} "
                             "(healthy is about 1e-3): updates too large, the weights will grow and saturate the "
                             "units (cause 4, exploding gradients): lower the learning rate, clip the gradients, "
                             "don't let weights get large (weight decay)", [i for i, _ in big], cause=4))

    if sat_layers:
        worst = max(sat_layers.values())
        out.append(Diagnosis("saturation",
                             f"{_layers_word([owner[n] for n in sat_layers])}: {worst:.0%} of the "
                             f"{kinds[next(iter(sat_layers))]} units are saturated (a' < {saturation_threshold:g}): "
                             f"their gradient is nearly zero and learning stalls (cause 2): {CURE_SATURATE}",
                             [owner[n] for n in sat_layers], cause=2))
    if dead_layers:
        worst = max(dead_layers.values())
        out.append(Diagnosis("dead_relus",
                             f"{_layers_word([owner[n] for n in dead_layers])}: {worst:.0%} of the ReLU units are "
                             "dead (zero on the whole batch) and pass no gradient (cause 2, a' = 0): lower the "
                             "learning rate, use LeakyReLU, He (Kaiming) init or batch norm, and check for large "
                             "negative biases", [owner[n] for n in dead_layers], cause=2))

    tiny_in = []
    for i, n in enumerate(weight_layers):
        nz, ma = _mean_stat(records, n, "input_near_zero"), _mean_stat(records, n, "input_mean_abs")
        if nz is None:
            continue
        # a hidden layer fed by ReLUs (non-negative inputs) has about half its inputs at exactly 0 by design;
        # the data (layer 1) and signed inputs count
        low = _mean_stat(records, n, "input_min")
        relu_fed = i > 0 and low is not None and low >= 0
        if (nz > 0.5 and not relu_fed) or (ma is not None and ma < 1e-2):
            tiny_in.append((i + 1, nz, ma))
    if tiny_in:
        i, nz, ma = tiny_in[0]
        out.append(Diagnosis("tiny_inputs",
                             f"{_layers_word([t[0] for t in tiny_in])}: the inputs are zero or tiny ({nz:.0%} below "
                             f"the near-zero threshold, mean |x| {ma:.2g} in layer {i}): their weights barely move "
                             "(cause 1): scale the inputs appropriately (standardise them) and scale the neuron "
                             "outputs that feed them", [t[0] for t in tiny_in], cause=1))
    if tiny_w:
        out.append(Diagnosis("tiny_weights",
                             f"{_layers_word(tiny_w)}: the weights are close to zero (RMS under 1% of the default "
                             "init's), so almost no gradient flows back through them (cause 3): don't start with "
                             "zero weights — use a proper random init (Kaiming/Xavier), less weight decay", tiny_w,
                             cause=3))

    wide = []
    for i, n in enumerate(weight_layers):
        out2, sd = _mean_stat(records, n, "input_outside_2"), _mean_stat(records, n, "input_std")
        if out2 is not None and (out2 > 0.2 or (sd is not None and sd > 2)):
            wide.append((i + 1, out2, sd))
    if wide:
        i, o2, sd = max(wide, key=lambda t: t[1])
        out.append(Diagnosis("input_scale",
                             f"{_layers_word([t[0] for t in wide])}: the layer inputs leave [-2, 2] ({o2:.0%} of them "
                             f"in layer {i}, std {sd:.2g}): optimisation is easier with inputs within about [-2, 2] "
                             "-- maintain the statistics of the activations: standardise the inputs, use batch norm "
                             "and a proper init", [t[0] for t in wide]))

    last = records[-1]
    lo_hi, t_range = last.get("output_range"), last.get("target_range")
    if t_range is not None and lo_hi is not None:
        kind = kinds.get(last.get("last_module"))
        tl, th = t_range
        if kind in BOUNDS and (tl < BOUNDS[kind][0] - 1e-6 or th > BOUNDS[kind][1] + 1e-6):
            b = BOUNDS[kind]
            out.append(Diagnosis("output_range",
                                 f"the output layer is a {kind}, whose range [{b[0]:g}, {b[1]:g}] cannot match the "
                                 f"targets' range [{tl:.3g}, {th:.3g}] (cause 5): choose an appropriate output "
                                 "activation (linear for regression) or rescale the targets", cause=5))
        elif th > tl:
            overlap = max(0.0, min(th, lo_hi[1]) - max(tl, lo_hi[0])) / (th - tl)
            if overlap < 0.5:
                out.append(Diagnosis("output_range",
                                     f"the outputs span [{lo_hi[0]:.3g}, {lo_hi[1]:.3g}] but the targets [{tl:.3g}, "
                                     f"{th:.3g}] ({overlap:.0%} covered) (cause 5): check the output activation and "
                                     "the scaling of the targets", cause=5))

    if len(losses) >= 50:
        k = max(5, len(losses) // 10)
        head, tail = float(np.mean(losses[:k])), float(np.mean(losses[-k:]))
        c = last.get("output_classes")
        at_chance = bool(c and c > 1 and abs(tail - math.log(c)) < 0.02 * math.log(c))
        flat = math.isfinite(head) and math.isfinite(tail) and abs(head) > 0 and (head - tail) < 0.02 * abs(head)
        if flat or at_chance:
            chance = f" (chance level is log {c} = {math.log(c):.3f})" if at_chance else ""
            out.append(Diagnosis("stall",
                                 f"learning stall: the loss went from {head:.4g} to {tail:.4g} over {len(losses)} "
                                 f"steps{chance}: look at the causes above; choose the learning rate/optimizer "
                                 "appropriately and plot the convergence plot"))
    return out
