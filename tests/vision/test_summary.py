"""summary(): per-layer shapes, params and activation memory; the notes' VGG-16 table (CS231n)."""
import re

import pytest

import reograd
from reograd import nn
from reograd.vision.models import LeNet5, resnet_small, summary, vgg16

# The notes' table (seeds/004, "VGGNet (2014)"), verbatim. Params exclude biases ("not counting biases").
VGG_TABLE = """\
INPUT: [224x224x3] memory: 224*224*3=150K params: 0 (not counting biases)
CONV3-64: [224x224x64] memory: 224*224*64=3.2M params: (3*3*3)*64 = 1,728
CONV3-64: [224x224x64] memory: 224*224*64=3.2M params: (3*3*64)*64 = 36,864
POOL2: [112x112x64] memory: 112*112*64=800K params: 0
CONV3-128: [112x112x128] memory: 112*112*128=1.6M params: (3*3*64)*128 = 73,728
CONV3-128: [112x112x128] memory: 112*112*128=1.6M params: (3*3*128)*128 = 147,456
POOL2: [56x56x128] memory: 56*56*128=400K params: 0
CONV3-256: [56x56x256] memory: 56*56*256=800K params: (3*3*128)*256 = 294,912
CONV3-256: [56x56x256] memory: 56*56*256=800K params: (3*3*256)*256 = 589,824
CONV3-256: [56x56x256] memory: 56*56*256=800K params: (3*3*256)*256 = 589,824
POOL2: [28x28x256] memory: 28*28*256=200K params: 0
CONV3-512: [28x28x512] memory: 28*28*512=400K params: (3*3*256)*512 = 1,179,648
CONV3-512: [28x28x512] memory: 28*28*512=400K params: (3*3*512)*512 = 2,359,296
CONV3-512: [28x28x512] memory: 28*28*512=400K params: (3*3*512)*512 = 2,359,296
POOL2: [14x14x512] memory: 14*14*512=100K params: 0
CONV3-512: [14x14x512] memory: 14*14*512=100K params: (3*3*512)*512 = 2,359,296
CONV3-512: [14x14x512] memory: 14*14*512=100K params: (3*3*512)*512 = 2,359,296
CONV3-512: [14x14x512] memory: 14*14*512=100K params: (3*3*512)*512 = 2,359,296
POOL2: [7x7x512] memory: 7*7*512=25K params: 0
FC: [1x1x4096] memory: 4096 params: 7*7*512*4096 = 102,760,448
FC: [1x1x4096] memory: 4096 params: 4096*4096 = 16,777,216
FC: [1x1x1000] memory: 1000 params: 4096*1000 = 4,096,000
"""


def _parse(table):
    rows = []
    for line in table.splitlines():
        kind = line.split(":")[0]
        mem_expr = re.search(r"memory: ([\d*]+)", line).group(1)
        mem = eval(mem_expr)  # the table's own product, e.g. 224*224*64
        params = int(re.search(r"= ([\d,]+)$", line).group(1).replace(",", "")) if "=" in line.split("params:")[1] \
            else 0
        rows.append((kind, mem, params))
    return rows


@pytest.fixture(scope="module")
def vgg_summary():
    return summary(vgg16(init_weights=False), (3, 224, 224), verbose=False)


def test_vgg16_matches_the_notes_table(vgg_summary):
    s = vgg_summary
    table = _parse(VGG_TABLE)
    ours = [r for r in s.layers if r.type in ("Conv2d", "MaxPool2d", "Linear")]
    assert len(ours) == len(table) - 1
    assert s.input_bytes == table[0][1] * 4
    for (kind, mem, params), r in zip(table[1:], ours):
        expect_type = {"POOL2": "MaxPool2d", "FC": "Linear"}.get(kind, "Conv2d")
        assert r.type == expect_type, (kind, r.name)
        assert r.output_numel == mem, (kind, r.name)
        assert r.output_bytes == mem * 4
        bias = r.output_shape[1] if expect_type != "MaxPool2d" else 0
        assert r.num_params == params + bias, (kind, r.name)
    assert s.total_params == 138_357_544 == sum(p for _, _, p in table) + sum(
        r.output_shape[1] for r in ours if r.type != "MaxPool2d")
    # "138M parameters"; activations of the table's layers ~ 15.2M values (ReLUs add their own outputs)
    assert round(s.total_params / 1e6) == 138
    table_acts = sum(m for _, m, _ in table[1:])
    relu_acts = sum(r.output_numel for r in s.layers if r.type == "ReLU")
    assert s.activation_numel == table_acts + relu_acts + 512 * 7 * 7 + 2 * 4096  # + avgpool + 2 dropouts
    assert s.params_bytes == 4 * 138_357_544
    assert "Total params: 138,357,544" in str(s)


def test_summary_lenet_and_batch():
    m = LeNet5()
    s = summary(m, (1, 32, 32), batch_size=8, verbose=False)
    assert s.total_params == s.trainable_params == 61_706
    assert s["features.0"].output_shape == (8, 6, 28, 28)
    assert s["features.0"].output_bytes == 6 * 28 * 28 * 4
    assert s.activation_bytes == 8 * sum(r.output_bytes for r in s.layers)
    assert s.input_bytes == 8 * 32 * 32 * 4
    assert m.training  # restored
    m.features.requires_grad_(False)
    s = summary(m, (1, 32, 32), verbose=False)
    assert s.trainable_params == 10_164 + 850 and s.non_trainable_params == 61_706 - 11_014


def test_summary_printing_repeated_modules_and_multi_input(capsys):
    s = summary(resnet_small(), (1, 28, 28))
    out = capsys.readouterr().out
    assert "Total params:" in out and "(recursive)" in out and "[-1, 16, 28, 28]" in out
    assert sum(r.num_params for r in s.layers) == s.total_params

    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(3, 4)
            self.scale = nn.Parameter(reograd.ones(1))

        def forward(self, x, y):
            return self.a(x) * self.scale + y

    s = summary(Two(), [(3,), (4,)], verbose=False)
    assert s.total_params == 17 and s.input_bytes == 7 * 4
    assert {r.name for r in s.layers} == {"a", ""}
    s = summary(nn.Linear(3, 2).double(), (3,), dtypes=[reograd.float64], verbose=False)
    assert s.layers[0].output_bytes == 16
