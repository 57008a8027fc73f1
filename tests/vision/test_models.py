"""Model zoo: output shapes and parameter counts (torchvision's published numbers and the LeNet-5 formula)."""
import pytest

import reograd
from reograd import nn
from reograd.vision import models as M


def nparams(m):
    return sum(p.numel() for p in m.parameters())


@pytest.mark.parametrize("make,expected", [
    (M.resnet18, 11_689_512), (M.resnet34, 21_797_672), (M.resnet50, 25_557_032),
    (lambda: M.alexnet(), 61_100_840)])
def test_torchvision_param_counts(make, expected):
    assert nparams(make()) == expected


def test_vgg16_param_count():
    assert nparams(M.vgg16(init_weights=False)) == 138_357_544


def test_lenet5_param_count_formula():
    conv = lambda cin, cout, k: cin * cout * k * k + cout  # noqa: E731
    lin = lambda i, o: i * o + o  # noqa: E731
    expected = conv(1, 6, 5) + conv(6, 16, 5) + conv(16, 120, 5) + lin(120, 84) + lin(84, 10)
    assert expected == 61_706
    for size in (32, 28):
        for variant in ("classic", "modern"):
            m = M.LeNet5(input_size=size, variant=variant)
            assert nparams(m) == expected
            assert tuple(m(reograd.randn(2, 1, size, size)).shape) == (2, 10)
    assert isinstance(M.LeNet5().features[1], nn.Tanh) and isinstance(M.LeNet5().features[2], nn.AvgPool2d)
    assert isinstance(M.LeNet5(variant="modern").features[2], nn.MaxPool2d)
    with pytest.raises(ValueError, match="input_size"):
        M.LeNet5(input_size=30)


def test_small_models_shapes_and_backward():
    x = reograd.randn(2, 1, 28, 28)
    for m in (M.resnet_small(), M.plain_small(), M.alexnet_small(), M.LeNet5(input_size=28)):
        out = m(x)
        assert tuple(out.shape) == (2, 10)
        out.sum().backward()
        assert all(p.grad is not None for p in m.parameters())
    v = M.vgg11_bn(in_channels=1, width_mult=1 / 16, input_size=32, hidden=32, num_classes=10)
    assert tuple(v(reograd.randn(2, 1, 32, 32)).shape) == (2, 10)
    assert any(isinstance(m, nn.BatchNorm2d) for m in v.modules())
    with pytest.raises(ValueError, match="too small"):
        M.vgg16(input_size=28, width_mult=1 / 32)


def test_vgg_configs_depth():
    for f, n in ((M.vgg11, 8), (M.vgg13, 10), (M.vgg16, 13), (M.vgg19, 16)):
        m = f(width_mult=1 / 64, hidden=8, input_size=32, num_classes=3)
        assert sum(isinstance(x, nn.Conv2d) for x in m.modules()) == n
        assert len([x for x in m.modules() if isinstance(x, nn.Linear)]) == 3


def test_resnet_structure():
    m = M.resnet18(num_classes=5, widths=(8, 16, 32, 64))
    assert tuple(m(reograd.randn(2, 3, 64, 64)).shape) == (2, 5)
    names = {n for n, _ in m.named_modules()}
    assert {"conv1", "bn1", "layer4.1.conv2", "layer2.0.downsample.0", "fc"} <= names
    r50 = M.resnet50(widths=(4, 8, 16, 32), num_classes=3)
    assert r50.layer2[0].conv2.stride == (2, 2)             # v1.5: stride on the 3x3
    assert tuple(r50.eval()(reograd.randn(1, 3, 32, 32)).shape) == (1, 3)
    plain, res = M.plain_small(), M.resnet_small()
    assert not any("downsample" in n for n, _ in plain.named_modules())
    # same weighted layers, the residual net only adds the 1x1 projection shortcuts
    convs = lambda m: [n for n, x in m.named_modules() if isinstance(x, nn.Conv2d) and "downsample" not in n]  # noqa
    assert convs(plain) == convs(res)
    z = M.resnet_small(zero_init_residual=True)
    assert float(z.layer1[0].bn2.weight.abs().sum()) == 0.0
