"""The model zoo against torchvision: state_dict keys and shapes of every constructor, torchvision's
published parameter counts, and the same logits as torchvision's architecture given the same weights
(through a torchvision-style ``.pth`` passed as ``weights=``)."""
import numpy as np
import pytest

import reograd
from reograd.vision import models as M

torch = pytest.importorskip("torch")
R = pytest.importorskip("torchvision_reference")

# torchvision's published ``num_params`` (the weights' metadata in torchvision.models).
PUBLISHED = {"resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032, "resnet101": 44_549_160,
             "resnet152": 60_192_808, "vgg11": 132_863_336, "vgg11_bn": 132_868_840, "vgg13": 133_047_848,
             "vgg13_bn": 133_053_736, "vgg16": 138_357_544, "vgg16_bn": 138_365_992, "vgg19": 143_667_240,
             "vgg19_bn": 143_678_248, "alexnet": 61_100_840, "mobilenet_v2": 3_504_872}
# VGG's full-size classifier (4096 x 25088) takes seconds to initialise: one full VGG runs with the slow tests;
# every VGG's convolutions are checked in the default run (the classifier is the same in all of them).
VGG_CLASSIFIER_PARAMS = 25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000
FULL = [n for n in PUBLISHED if not n.startswith("vgg")] + [pytest.param("vgg16", marks=pytest.mark.slow)]


def _keys_shapes(sd):
    return [(k, tuple(v.shape)) for k, v in sd.items()]


@pytest.mark.parity
@pytest.mark.parametrize("name", FULL)
def test_state_dict_keys_and_shapes_match_torchvision(name):
    ref = R.build(name, device="meta").state_dict()
    ours = getattr(M, name)().state_dict()
    assert _keys_shapes(ours) == _keys_shapes(ref)
    params = sum(int(np.prod(s)) for k, s in _keys_shapes(ours) if not k.endswith(("running_mean", "running_var",
                                                                                   "num_batches_tracked")))
    assert params == PUBLISHED[name]


@pytest.mark.parity
def test_vgg_features_of_every_config_match_torchvision():
    # the classifier is the same in every VGG (checked on a full model above); the convolutions differ
    for name in R.VGG_CFGS:
        for bn in (False, True):
            ref = R.build(name + ("_bn" if bn else ""), device="meta").features.state_dict()
            ours = M.make_layers(M.cfgs[{"vgg11": "A", "vgg13": "B", "vgg16": "D", "vgg19": "E"}[name]], batch_norm=bn)
            assert _keys_shapes(ours.state_dict()) == _keys_shapes(ref), (name, bn)
            params = sum(p.numel() for p in ours.parameters())
            assert params + VGG_CLASSIFIER_PARAMS == PUBLISHED[name + ("_bn" if bn else "")]


def _torchvision_file(name, tmp_path, num_classes=1000, seed=0):
    """A torchvision-style weight file: the reference architecture with random weights and BN statistics."""
    torch.manual_seed(seed)
    model = R.build(name, num_classes=num_classes)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):  # non-trivial eval-mode normalisation
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    path = tmp_path / f"{name}.pth"
    torch.save(model.state_dict(), path)
    return model.eval(), path


@pytest.mark.parity
@pytest.mark.parametrize("name,size", [("resnet18", 64), ("resnet50", 32), ("mobilenet_v2", 32),
                                       pytest.param("alexnet", 96, marks=pytest.mark.slow),
                                       pytest.param("vgg11_bn", 64, marks=pytest.mark.slow)])
def test_same_logits_as_torchvision_with_the_same_weights(name, size, tmp_path):
    ref, path = _torchvision_file(name, tmp_path)
    ours = getattr(M, name)(weights=str(path)).eval()
    x = np.random.default_rng(0).standard_normal((2, 3, size, size)).astype(np.float32)
    with torch.no_grad():
        expected = ref(torch.from_numpy(x)).numpy()
    with reograd.no_grad():
        got = ours(reograd.from_numpy(x)).numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


@pytest.mark.parity
def test_weights_file_sets_num_classes_and_loads_strictly(tmp_path):
    _, path = _torchvision_file("resnet18", tmp_path, num_classes=10)
    m = M.resnet18(weights=path)  # a fine-tuned 10-class file: num_classes comes from fc.weight
    assert m.fc.out_features == 10
    with pytest.raises(RuntimeError, match="size mismatch|shape"):
        M.resnet18(weights=path, num_classes=1000)
    with pytest.raises(RuntimeError, match="Missing key|Unexpected key"):
        M.resnet34(weights=path)  # resnet18's weights lack layer1.2 ...


def test_weights_argument_forms(tmp_path):
    model = M.resnet18(num_classes=3, widths=(4, 8, 16, 32))
    for fmt, path in [("reograd", tmp_path / "w.pt"), ("torch", tmp_path / "w.pth")]:
        reograd.save(model.state_dict(), path, format=fmt)
        loaded = M.resnet18(weights=str(path), widths=(4, 8, 16, 32))
        np.testing.assert_array_equal(loaded.fc.weight.detach().numpy(), model.fc.weight.detach().numpy())
    from reograd.safetensors import save_file

    save_file(model.state_dict(), tmp_path / "w.safetensors")
    loaded = M.resnet18(weights=tmp_path / "w.safetensors", widths=(4, 8, 16, 32))
    np.testing.assert_array_equal(loaded.conv1.weight.detach().numpy(), model.conv1.weight.detach().numpy())
    assert M.resnet18(weights=None, num_classes=2, widths=(4, 8, 16, 32)).fc.out_features == 2
    assert M.resnet18(weights=False, pretrained=False, progress=False, widths=(4, 8, 16, 32)).fc.out_features == 1000


@pytest.mark.parametrize("make,weights,url", [
    (M.resnet18, "IMAGENET1K_V1", "resnet18-f37072fd.pth"), (M.resnet50, "DEFAULT", "resnet50-11ad3fa6.pth"),
    (M.vgg16, "VGG16_Weights.IMAGENET1K_V1", "vgg16-397923af.pth"), (M.alexnet, True, "alexnet-owt-7be5be79.pth"),
    (M.mobilenet_v2, "IMAGENET1K_V2", "mobilenet_v2-7ebf99e0.pth")])
def test_weight_names_give_a_clear_offline_error(make, weights, url):
    with pytest.raises(RuntimeError, match="does not download") as e:
        make(weights=weights)
    assert "https://download.pytorch.org/models/" + url in str(e.value)
    with pytest.raises(RuntimeError, match=url):
        make(pretrained=True)


def test_bad_weights_arguments(tmp_path):
    with pytest.raises(ValueError, match="unknown weights.*IMAGENET1K_V1"):
        M.resnet18(weights="IMAGENET1K_V9")
    with pytest.raises(FileNotFoundError, match="not found"):
        M.resnet18(weights=str(tmp_path / "missing.pth"))
    with pytest.raises(TypeError, match="file path or a torchvision weight name"):
        M.resnet18(weights=3)
    reograd.save({"model": {"w": reograd.ones(1)}, "epoch": 3}, tmp_path / "ckpt.pt")
    with pytest.raises(TypeError, match=r"\['model', 'epoch'\], not a state dict"):
        M.resnet18(weights=tmp_path / "ckpt.pt")


def test_mobilenet_v2_structure():
    m = M.mobilenet_v2(num_classes=5)
    names = {n for n, _ in m.named_modules()}
    assert {"features.0.0", "features.1.conv.0.0", "features.2.conv.3", "features.18.1", "classifier.1"} <= names
    assert isinstance(m.features[1].conv[0][2], reograd.nn.ReLU6) and m.features[1].conv[0][0].groups == 32
    assert [b.use_res_connect for b in m.features[1:18]].count(True) == 10
    out = m(reograd.randn(2, 3, 32, 32))
    assert tuple(out.shape) == (2, 5)
    out.sum().backward()
    assert m.features[0][0].weight.grad is not None
    small = M.mobilenet_v2(width_mult=0.25, in_channels=1, num_classes=10)
    assert small.features[0][0].in_channels == 1 and small.last_channel == 1280
    with pytest.raises(ValueError, match="t, c, n, s"):
        M.MobileNetV2(inverted_residual_setting=[[1, 16, 1]])


@pytest.mark.slow
@pytest.mark.parity
def test_transfer_learning_example_from_a_torchvision_file(tmp_path, capsys, monkeypatch):
    import importlib.util
    import os

    data = os.environ.get("REOGRAD_DATA") or "/work/shared/data"
    if not os.path.isdir(os.path.join(data, "mnist")):
        pytest.skip("MNIST not found: set REOGRAD_DATA")
    monkeypatch.setenv("REOGRAD_DATA", data)
    _, path = _torchvision_file("resnet18", tmp_path)  # random weights: this checks the mechanics, not accuracy
    examples = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
    monkeypatch.syspath_prepend(examples)
    spec = importlib.util.spec_from_file_location("transfer_learning", os.path.join(examples, "transfer_learning.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--weights", str(path), "--quick", "--n", "200", "--size", "32"]) == 0
    out = capsys.readouterr().out
    assert "resnet18 from" in out and "512 features per image" in out and "trained 5,130 parameters" in out
    assert "frozen resnet18 parameters unchanged: True" in out
