"""Perturbation attributions: FeatureAblation, FeaturePermutation and Occlusion (Captum's names).

Each changes one feature (group) ``S`` at a time and records how the explained output moves:

- FeatureAblation:    attr_S = F(x) - F(x with x_S replaced by the baseline)
- FeaturePermutation: attr_S = F(x) - F(x with x_S shuffled across the batch) (permutation feature
  importance, Breiman 2001; the notes' "permutation feature invariance" test)
- Occlusion (Zeiler & Fergus 2014): a window slides over the input with the given strides; each
  element gets the mean of ``F(x) - F(x with the window at the baseline)`` over the windows that cover it

A feature mask (integers of the input's shape, or one example's) groups elements into features;
an id used in several inputs forms one feature across them. By default every element is a feature.
Several perturbed copies of the batch can be evaluated in one forward call (``perturbations_per_eval``).
"""
from __future__ import annotations

import numpy as np

import reograd

from ._common import (PerturbationAttribution, expand_additional_args, expand_target, format_additional_args,
                      format_baselines, format_inputs, format_output, run_forward)

__all__ = ["FeatureAblation", "FeaturePermutation", "Occlusion"]


class _Progress:
    """A tqdm bar when asked for and installed; otherwise nothing."""

    def __init__(self, total, desc, show):
        self.bar = None
        if show:
            try:
                from tqdm.auto import tqdm
            except ImportError:  # pragma: no cover - tqdm is optional
                print(f"{desc}: {total} evaluations (pip install tqdm for a progress bar)")
            else:
                self.bar = tqdm(total=total, desc=desc)

    def update(self):
        if self.bar is not None:
            self.bar.update()

    def close(self):
        if self.bar is not None:
            self.bar.close()


def default_feature_masks(inputs):
    """One feature per element, numbered consecutively across the inputs; each mask of shape (1, ...)."""
    masks, start = [], 0
    for x in inputs:
        k = int(np.prod(x.shape[1:], dtype=np.int64))
        masks.append((reograd.arange(k) + start).reshape(1, *x.shape[1:]))
        start += k
    return tuple(masks)


def format_feature_masks(feature_mask, inputs, caller):
    if feature_mask is None:
        return default_feature_masks(inputs)
    masks = feature_mask if isinstance(feature_mask, tuple) else (feature_mask,)
    if len(masks) != len(inputs):
        raise ValueError(f"{caller}: {len(inputs)} inputs but {len(masks)} feature masks")
    for i, (m, x) in enumerate(zip(masks, inputs)):
        if m.dim() > x.dim():
            raise ValueError(f"{caller}: feature mask {i} of shape {tuple(m.shape)} has more dims than its input "
                             f"{tuple(x.shape)}")
        try:
            np.broadcast_shapes(tuple(m.shape), tuple(x.shape))
        except ValueError:
            raise ValueError(f"{caller}: feature mask {i} of shape {tuple(m.shape)} does not broadcast to its input "
                             f"{tuple(x.shape)}") from None
    return tuple(m.long() for m in masks)


def _mask_lookup(masks):
    """feature id -> each input's bool mask of that feature's elements (None where the feature is absent)."""
    def lookup(f):
        out = []
        for m in masks:
            hit = m == f
            out.append(hit if bool(hit.any()) else None)
        return tuple(out)
    return lookup


class FeatureAblation(PerturbationAttribution):
    """Feature ablation: each feature's attribution is how much the output falls when the feature is
    replaced by its baseline, ``F(x) - F(x_{S <- baseline})``.

    >>> fa = FeatureAblation(model)
    >>> attr = fa.attribute(x, target=0, feature_mask=groups, baselines=0.0, perturbations_per_eval=8)

    The attributions have one row per output number: for a forward function returning one number per
    example (after ``target``) the inputs' shapes; for one returning a single number for the whole batch
    (a loss, say) shape (1, ...).
    """

    use_weights = False

    def attribute(self, inputs, baselines=None, target=None, additional_forward_args=None, feature_mask=None,
                  perturbations_per_eval=1, show_progress=False):
        """The ablation attributions.

        Args:
            inputs: Tensor (N, ...) or tuple of Tensors.
            baselines: the replacement values: None (zeros), numbers, or Tensors (one example or N).
            target, additional_forward_args: see ``reograd.explain``.
            feature_mask: integer Tensor(s) grouping elements into features (see the module docstring).
            perturbations_per_eval: perturbed copies of the batch per forward call.
            show_progress: a progress bar (needs tqdm).
        Returns: attributions, one Tensor per input.
        """
        name = f"{type(self).__name__}.attribute"
        was_tuple = isinstance(inputs, tuple)
        xs = tuple(x.detach() for x in format_inputs(inputs, method=name))
        bs = format_baselines(baselines, xs, name)
        masks = format_feature_masks(feature_mask, xs, name)
        features = self._feature_ids(masks)
        return format_output(was_tuple, self._run(xs, bs, target, additional_forward_args, features,
                                                  _mask_lookup(masks), perturbations_per_eval, show_progress, name))

    @staticmethod
    def _feature_ids(masks):
        ids = []
        seen = set()
        for m in masks:
            for v in np.unique(m.numpy()).tolist():
                if v not in seen:
                    seen.add(v)
                    ids.append(v)
        return ids

    def _ablate(self, x, baseline, mask, i):
        """``x`` (the whole batch) with the elements under ``mask`` set to the baseline."""
        keep = (~mask).to(x.dtype)
        return x * keep + (baseline if not isinstance(baseline, reograd.Tensor) else baseline.to(x.dtype)) * (1 - keep)

    def _run(self, xs, bs, target, additional_forward_args, features, mask_of, per_eval, show_progress, name):
        if not isinstance(per_eval, int) or per_eval < 1:
            raise ValueError(f"{name}: perturbations_per_eval must be an int >= 1, got {per_eval!r}")
        args = format_additional_args(additional_forward_args)
        n = xs[0].shape[0]
        progress = _Progress(1 + -(-len(features) // per_eval), name, show_progress)
        with reograd.no_grad():
            initial = run_forward(self.forward_func, xs, target, args, name)
            progress.update()
            n_out = initial.numel()
            if per_eval > 1 and n_out != n:
                raise ValueError(f"{name}: with perturbations_per_eval > 1 the forward function must return one "
                                 f"number per example; it returned {n_out} for {n} examples")
            flat_init = initial.reshape(1, n_out)
            dtype = initial.dtype if initial.is_floating_point() else reograd.get_default_dtype()
            total = [reograd.zeros((n_out, *x.shape[1:]), dtype=dtype) for x in xs]
            counts = [reograd.zeros((n_out, *x.shape[1:]), dtype=dtype) for x in xs] if self.use_weights else None
            for start in range(0, len(features), per_eval):
                group = features[start:start + per_eval]
                p = len(group)
                group_masks = [mask_of(f) for f in group]
                copies = []
                for i, x in enumerate(xs):
                    parts = [x if gm[i] is None else self._ablate(x, bs[i] if bs is not None else None, gm[i], i)
                             for gm in group_masks]
                    copies.append(reograd.cat(parts, dim=0) if p > 1 else parts[0])
                out = run_forward(self.forward_func, tuple(copies), expand_target(target, p),
                                  expand_additional_args(args, p), name)
                progress.update()
                if out.numel() != p * n_out:
                    raise ValueError(f"{name}: the forward function returned {out.numel()} numbers for {p} perturbed "
                                     f"copies of the batch; expected {p * n_out}")
                diff = (flat_init - out.reshape(p, n_out)).to(dtype)
                for i, x in enumerate(xs):
                    for j, gm in enumerate(group_masks):
                        if gm[i] is None:
                            continue
                        m = gm[i].to(dtype)
                        total[i] = total[i] + diff[j].reshape(n_out, *([1] * (x.dim() - 1))) * m
                        if counts is not None:
                            counts[i] = counts[i] + m
        progress.close()
        if counts is not None:
            return tuple(t / c for t, c in zip(total, counts))
        return tuple(total)


def _permute_feature(x, feature_mask):
    """``x`` with the elements under ``feature_mask`` shuffled across the batch (never the identity)."""
    n = x.shape[0]
    if n < 2:
        raise ValueError("FeaturePermutation: cannot permute features within a batch of one example")
    perm = reograd.randperm(n)
    while bool((perm == reograd.arange(n)).all()):
        perm = reograd.randperm(n)
    m = feature_mask.to(x.dtype)
    return x[perm] * m + x * (1 - m)


class FeaturePermutation(FeatureAblation):
    """Permutation feature importance: each feature's attribution is how much the output falls when
    that feature is shuffled across the batch, ``F(x) - F(x_{S <- x_{perm, S}})``. Make the forward
    function return the error metric (one number per batch, or per example) for Breiman's importance.

    Args:
        forward_func: the model or any function of the inputs.
        perm_func: ``perm_func(x, feature_mask) -> x_permuted`` (default: a random permutation of
            the rows, never the identity).
    """

    def __init__(self, forward_func, perm_func=_permute_feature):
        super().__init__(forward_func)
        self.perm_func = perm_func

    def attribute(self, inputs, target=None, additional_forward_args=None, feature_mask=None,
                  perturbations_per_eval=1, show_progress=False):
        """The permutation importances (a Tensor per input; see :class:`FeatureAblation` for the shape)."""
        name = "FeaturePermutation.attribute"
        was_tuple = isinstance(inputs, tuple)
        xs = tuple(x.detach() for x in format_inputs(inputs, method=name))
        masks = format_feature_masks(feature_mask, xs, name)
        return format_output(was_tuple, self._run(xs, None, target, additional_forward_args, self._feature_ids(masks),
                                                  _mask_lookup(masks), perturbations_per_eval, show_progress, name))

    def _ablate(self, x, baseline, mask, i):
        return self.perm_func(x, mask)


class Occlusion(FeatureAblation):
    """Occlusion: a window (``sliding_window_shapes``) slides over each input with ``strides``; each
    element's attribution is the mean, over the windows covering it, of ``F(x) - F(x with the window at
    the baseline)``. Windows at the far edge are cut to fit (Captum's placement).

    >>> occ = Occlusion(model)
    >>> attr = occ.attribute(images, sliding_window_shapes=(1, 10, 10), strides=(1, 5, 5), target=labels)
    """

    use_weights = True

    def attribute(self, inputs, sliding_window_shapes, strides=None, baselines=None, target=None,
                  additional_forward_args=None, perturbations_per_eval=1, show_progress=False):
        """The occlusion attributions.

        Args:
            inputs: Tensor (N, ...) or tuple of Tensors.
            sliding_window_shapes: the window's shape over each input's dims after the batch dim (a tuple
                of ints, or a tuple of such tuples for several inputs).
            strides: the steps between window positions: None (1), an int, or a tuple per dim (per input).
            baselines: the occluding value(s).
        Returns: attributions of the inputs' shapes.
        """
        name = "Occlusion.attribute"
        was_tuple = isinstance(inputs, tuple)
        xs = tuple(x.detach() for x in format_inputs(inputs, method=name))
        bs = format_baselines(baselines, xs, name)
        windows = _per_input(sliding_window_shapes, xs, "sliding_window_shapes", name)
        strides = _per_input(strides, xs, "strides", name)
        grids = []
        for i, (x, w, s) in enumerate(zip(xs, windows, strides)):
            dims = tuple(x.shape[1:])
            w = tuple(w)
            s = (s,) * len(dims) if isinstance(s, int) else tuple(s)
            if len(w) != len(dims) or len(s) != len(dims):
                raise ValueError(f"{name}: input {i} has {len(dims)} dims after the batch dim {dims}; the window "
                                 f"{w} and strides {s} must have as many")
            room = np.subtract(dims, w)
            if (room < 0).any():
                raise ValueError(f"{name}: the window {w} is larger than input {i}'s dims {dims}")
            if (np.logical_and(room > 0, np.array(s) > np.array(w))).any():
                raise ValueError(f"{name}: stride {s} larger than the window {w} would skip elements of input {i}")
            counts = tuple(int(np.ceil(r / st)) + 1 for r, st in zip(room, s))
            grids.append((dims, w, s, counts))
        features, owner = [], []
        for i, (_, _, _, counts) in enumerate(grids):
            k = int(np.prod(counts))
            features.extend(range(len(features), len(features) + k))
            owner.extend([(i, j) for j in range(k)])

        def mask_of(f):
            i, j = owner[f]
            dims, w, s, counts = grids[i]
            corner = []
            for c, st in zip(counts, s):  # the first dim varies fastest, as in Captum
                corner.append((j % c) * st)
                j //= c
            m = np.zeros((1, *dims), dtype=bool)
            m[(0, *(slice(a, a + b) for a, b in zip(corner, w)))] = True
            return tuple(reograd.from_numpy(m) if k == i else None for k in range(len(xs)))

        return format_output(was_tuple, self._run(xs, bs, target, additional_forward_args, features, mask_of,
                                                  perturbations_per_eval, show_progress, name))


def _per_input(value, xs, what, caller):
    """One entry per input from ``value`` (None -> 1 for strides)."""
    if value is None:
        return [1] * len(xs)
    if isinstance(value, int) or (isinstance(value, tuple) and all(isinstance(v, int) for v in value)):
        if len(xs) != 1 and not isinstance(value, int):
            raise ValueError(f"{caller}: {len(xs)} inputs: give {what} as a tuple with one entry per input")
        return [value] * len(xs)
    if len(value) != len(xs):
        raise ValueError(f"{caller}: {len(xs)} inputs but {len(value)} {what}")
    return list(value)
