"""Pictures of attributions (matplotlib): heat maps over images, and several methods side by side.

- :func:`visualize_image_attr` / :func:`visualize_image_attr_multiple`: Captum's
  ``captum.attr.visualization`` functions (same arguments: ``method`` in ``"heat_map"``,
  ``"blended_heat_map"``, ``"original_image"``, ``"masked_image"``, ``"alpha_scaling"``; ``sign`` in
  ``"all"``, ``"positive"``, ``"negative"``, ``"absolute_value"``).
- :func:`visualize`: the notes' comparison slide -- rows of images, one column per method.

Images and attributions may be NumPy arrays (H, W, C) as Captum takes them, or Tensors (C, H, W) /
(H, W); channels are summed for the map. Maps are scaled so that the top ``outlier_perc`` percent of
the total |attribution| saturates the colours (Captum's normalisation).
"""
from __future__ import annotations

import numpy as np

__all__ = ["normalize_attr", "visualize_image_attr", "visualize_image_attr_multiple", "visualize"]

SIGNS = ("all", "positive", "negative", "absolute_value")
METHODS = ("heat_map", "blended_heat_map", "original_image", "masked_image", "alpha_scaling")


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is optional
        raise ImportError("reograd.explain.visualization needs matplotlib: pip install matplotlib") from None
    return plt


def to_hwc(a):
    """An image or attribution as a float NumPy array (H, W, C): Tensors (C, H, W) are transposed,
    (H, W) gets a channel axis."""
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
        if a.ndim == 3:
            a = a.transpose(1, 2, 0)
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3:
        raise ValueError(f"visualization: expected an image (H, W, C) or (C, H, W) tensor, got shape {a.shape}")
    return a


def _threshold(values, percentile):
    """The value below which ``percentile`` percent of the total mass of ``values`` lies."""
    v = np.sort(values.reshape(-1))
    csum = np.cumsum(v)
    if csum[-1] <= 0:
        return 0.0
    return float(v[np.nonzero(csum >= csum[-1] * 0.01 * percentile)[0][0]])


def normalize_attr(attr, sign="absolute_value", outlier_perc=2, reduction_axis=2):
    """The attribution map (H, W) in [-1, 1] (or [0, 1]): channels summed, ``sign`` applied, divided by the
    value that leaves the top ``outlier_perc`` percent of the total |attribution| above it, clipped."""
    if sign not in SIGNS:
        raise ValueError(f"normalize_attr: sign must be one of {SIGNS}, got {sign!r}")
    a = to_hwc(attr).sum(axis=reduction_axis) if reduction_axis is not None else np.asarray(attr, float)
    if sign == "positive":
        a = np.maximum(a, 0)
    elif sign == "negative":
        a = np.minimum(a, 0)
    elif sign == "absolute_value":
        a = np.abs(a)
    t = _threshold(np.abs(a), 100.0 - outlier_perc)
    if sign == "negative":
        t = -t
    if t == 0:
        return np.zeros_like(a)
    return np.clip(a / t, -1, 1)


def _cmap(sign, cmap):
    from matplotlib.colors import LinearSegmentedColormap

    if sign == "all":
        default, vmin, vmax = LinearSegmentedColormap.from_list("RdWhGn", ["red", "white", "green"]), -1, 1
    else:
        default, vmin, vmax = {"positive": "Greens", "negative": "Reds", "absolute_value": "Blues"}[sign], 0, 1
    return (cmap if cmap is not None else default), vmin, vmax


def _show_image(ax, img, **kw):
    img = np.asarray(img, dtype=np.float64)
    if img.shape[2] == 1:
        ax.imshow(img[:, :, 0], cmap="gray", **kw)
    else:
        lo, hi = img.min(), img.max()
        ax.imshow((img - lo) / (hi - lo) if hi > lo else np.zeros_like(img), **kw)


def visualize_image_attr(attr, original_image=None, method="heat_map", sign="absolute_value", plt_fig_axis=None,
                         outlier_perc=2, cmap=None, alpha_overlay=0.5, show_colorbar=False, title=None,
                         fig_size=(6, 6), use_pyplot=True):
    """Draw one attribution map (Captum's ``visualize_image_attr``).

    Args:
        attr: the attribution, (H, W, C) array or (C, H, W) Tensor.
        original_image: the image, same layouts (needed by every method but ``"heat_map"``).
        method: ``"heat_map"``, ``"blended_heat_map"`` (the map over the grey image),
            ``"original_image"``, ``"masked_image"`` (the image times the map), ``"alpha_scaling"``.
        sign: which attributions to show (``"all"``, ``"positive"``, ``"negative"``, ``"absolute_value"``).
        plt_fig_axis: ``(figure, axis)`` to draw into; otherwise a new figure of ``fig_size``.
        outlier_perc: the top percent of the total |attribution| that saturates the colours.
    Returns: ``(figure, axis)``.
    """
    if method not in METHODS:
        raise ValueError(f"visualize_image_attr: method must be one of {METHODS}, got {method!r}")
    plt = _plt()
    if plt_fig_axis is not None:
        fig, ax = plt_fig_axis
    elif use_pyplot:
        fig, ax = plt.subplots(figsize=fig_size)
    else:
        from matplotlib.figure import Figure

        fig = Figure(figsize=fig_size)
        ax = fig.subplots()
    img = None if original_image is None else to_hwc(original_image)
    if method != "heat_map" and img is None:
        raise ValueError(f"visualize_image_attr: method {method!r} needs original_image")
    ax.set_xticks([])
    ax.set_yticks([])
    if method == "original_image":
        _show_image(ax, img)
    else:
        norm = normalize_attr(attr, sign, outlier_perc)
        cm, vmin, vmax = _cmap(sign, cmap)
        heat = None
        if method == "heat_map":
            heat = ax.imshow(norm, cmap=cm, vmin=vmin, vmax=vmax)
        elif method == "blended_heat_map":
            ax.imshow(img.mean(axis=2), cmap="gray")
            heat = ax.imshow(norm, cmap=cm, vmin=vmin, vmax=vmax, alpha=alpha_overlay)
        else:
            if sign == "all":
                raise ValueError(f"visualize_image_attr: {method!r} needs a sign other than 'all'")
            lo, hi = img.min(), img.max()
            base = (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
            if method == "masked_image":
                _show_image(ax, base * np.abs(norm)[:, :, None])
            else:
                rgb = base if base.shape[2] == 3 else np.repeat(base, 3, axis=2)
                ax.imshow(np.concatenate([rgb, np.abs(norm)[:, :, None]], axis=2))
        if show_colorbar and heat is not None:
            fig.colorbar(heat, ax=ax, orientation="vertical", fraction=0.046)
    if title:
        ax.set_title(title)
    return fig, ax


def visualize_image_attr_multiple(attr, original_image, methods, signs, titles=None, fig_size=(8, 6),
                                  use_pyplot=True, **kwargs):
    """Several views of one attribution in a row (Captum's ``visualize_image_attr_multiple``); returns
    ``(figure, axes)``."""
    if len(methods) != len(signs) or (titles is not None and len(titles) != len(methods)):
        raise ValueError("visualize_image_attr_multiple: methods, signs (and titles) must have the same length")
    plt = _plt()
    if use_pyplot:
        fig, axes = plt.subplots(1, len(methods), figsize=fig_size, squeeze=False)
    else:
        from matplotlib.figure import Figure

        fig = Figure(figsize=fig_size)
        axes = fig.subplots(1, len(methods), squeeze=False)
    for i, (m, s) in enumerate(zip(methods, signs)):
        visualize_image_attr(attr, original_image, m, s, plt_fig_axis=(fig, axes[0, i]),
                             title=titles[i] if titles else None, **kwargs)
    fig.tight_layout()
    return fig, axes[0]


def visualize(images, attributions, path=None, method="blended_heat_map", sign="absolute_value", outlier_perc=2,
              labels=None, cell_size=1.8, dpi=100):
    """The side-by-side figure of several attribution methods (the notes' comparison slide).

    Args:
        images: Tensor (N, C, H, W) (or a list of images).
        attributions: ``{method name: Tensor (N, C, H, W) or (N, 1, H, W)}``; maps of another size (a
            Grad-CAM layer map) are upsampled to the image's size.
        path: save the figure there (PNG) when given.
        method, sign, outlier_perc: as :func:`visualize_image_attr`.
        labels: a caption per image row (e.g. ``"label 7 / pred 7"``).
    Returns: the matplotlib Figure.
    """
    from matplotlib.figure import Figure

    _plt()
    n = len(images)
    names = list(attributions)
    fig = Figure(figsize=(cell_size * (1 + len(names)), cell_size * n), dpi=dpi)
    axes = fig.subplots(n, 1 + len(names), squeeze=False)
    for r in range(n):
        img = to_hwc(images[r])
        visualize_image_attr(None, img, "original_image", plt_fig_axis=(fig, axes[r, 0]),
                             title="input" if r == 0 else None)
        if labels is not None:
            axes[r, 0].set_ylabel(str(labels[r]), fontsize=8)
        for c, name in enumerate(names):
            a = to_hwc(attributions[name][r])
            if a.shape[:2] != img.shape[:2]:
                a = _resize(a, img.shape[:2])
            visualize_image_attr(a, img, method, sign, plt_fig_axis=(fig, axes[r, c + 1]), outlier_perc=outlier_perc,
                                 title=name if r == 0 else None)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return fig


def _resize(a, hw):
    """Bilinear resize of an (h, w, C) map to ``hw`` (for layer maps such as Grad-CAM's)."""
    import reograd
    from reograd.nn import functional as F

    t = reograd.tensor(a.transpose(2, 0, 1)[None])
    return F.interpolate(t, size=tuple(hw), mode="bilinear", align_corners=False)[0].numpy().transpose(1, 2, 0)
