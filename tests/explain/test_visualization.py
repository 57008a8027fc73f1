"""Heat maps and the side-by-side figure (matplotlib, Agg)."""
import numpy as np
import pytest

import reograd
from reograd.explain import visualize
from reograd.explain.visualization import (normalize_attr, to_hwc, visualize_image_attr,
                                           visualize_image_attr_multiple)

pytest.importorskip("matplotlib")


def test_layouts():
    t = reograd.randn(3, 5, 4)
    assert to_hwc(t).shape == (5, 4, 3)
    assert to_hwc(np.zeros((5, 4))).shape == (5, 4, 1)
    with pytest.raises(ValueError, match="expected an image"):
        to_hwc(np.zeros(5))


def test_normalisation_saturates_the_top_percent():
    a = np.zeros((10, 10, 1))
    a[0, 0, 0] = 100.0      # one outlier holding most of the mass
    a[1:, :, 0] = 1.0
    n = normalize_attr(a, "absolute_value", outlier_perc=60)
    assert n.max() == 1.0 and n.min() >= 0
    assert np.isclose(n[5, 5], 1.0)   # with 60% of the mass above the threshold, the 1s saturate too
    n2 = normalize_attr(-a, "negative", outlier_perc=0)
    assert n2.max() == 1.0 and np.isclose(n2[5, 5], 0.01)   # negative maps come out positive, as in Captum
    with pytest.raises(ValueError, match="sign"):
        normalize_attr(a, "both")


@pytest.mark.parity
@pytest.mark.parametrize("sign", ["all", "positive", "negative", "absolute_value"])
def test_normalisation_matches_captum(sign):
    viz = pytest.importorskip("captum.attr._utils.visualization")
    a = np.random.default_rng(0).standard_normal((6, 7, 3))
    np.testing.assert_allclose(normalize_attr(a, sign, 2), viz._normalize_attr(a.sum(2), sign, 2),
                               atol=1e-12)


@pytest.mark.parametrize("method", ["heat_map", "blended_heat_map", "original_image", "masked_image",
                                    "alpha_scaling"])
def test_every_method_draws(method):
    img = reograd.rand(3, 8, 8)
    attr = reograd.randn(3, 8, 8)
    fig, ax = visualize_image_attr(attr, img, method=method, sign="absolute_value", use_pyplot=False,
                                   show_colorbar=True, title=method)
    assert ax.get_title() == method and len(ax.images) >= 1
    with pytest.raises(ValueError, match="original_image"):
        visualize_image_attr(attr, None, method="blended_heat_map", use_pyplot=False)
    fig, axes = visualize_image_attr_multiple(attr, img, ["original_image", "heat_map"], ["all", "all"],
                                              use_pyplot=False)
    assert len(axes) == 2


def test_side_by_side_figure(tmp_path):
    imgs = reograd.rand(3, 1, 12, 12)
    attrs = {"saliency": reograd.randn(3, 1, 12, 12), "grad-cam": reograd.rand(3, 1, 3, 3)}  # a layer map upsampled
    fig = visualize(imgs, attrs, path=tmp_path / "cmp.png", labels=["a", "b", "c"])
    assert (tmp_path / "cmp.png").stat().st_size > 1000
    assert len(fig.axes) == 3 * 3
    assert fig.axes[1].get_title() == "saliency" and fig.axes[2].get_title() == "grad-cam"
