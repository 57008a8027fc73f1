"""reograd.viz: make_dot (torchviz's call) on the DOT text, and the text tree."""
import re

import pytest

import reograd
from reograd import viz


def _mlp():
    nn = reograd.nn
    m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    return m, m(reograd.randn(2, 3)).mean()


def test_make_dot_nodes_and_leaf_labels():
    m, y = _mlp()
    dot = viz.make_dot(y, params=dict(m.named_parameters()))
    src = dot.source
    assert src.startswith("digraph {") and src.rstrip().endswith("}")
    for name in ("MeanBackward0", "TanhBackward0"):
        assert src.count(f'"{name}"') == 1
    assert len(re.findall(r'label="\w*(Addmm|Linear|Add|MatMul|Mm)\w*Backward\d*"', src)) >= 2
    for pname, shape in (("0.weight", "(4, 3)"), ("0.bias", "(4)"), ("2.weight", "(1, 4)"), ("2.bias", "(1)")):
        assert f'label="{pname}\n {shape}" fillcolor=lightblue' in src
    assert "darkolivegreen1" in src and "orange" not in src
    n_edges = src.count("->")
    assert n_edges >= 8


def test_make_dot_show_saved_and_attrs_and_fallback_object():
    x = reograd.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2.0).sum()
    dot = viz.make_dot(y, params={"x": x}, show_saved=True, show_attrs=True)
    src = dot.source
    assert "orange" in src and "(2)" in src and 'label="x\n (2)"' in src
    assert "ExpBackward0" in src
    if type(dot).__name__ == "DotGraph":
        assert str(dot) == src
        with pytest.raises(RuntimeError, match="graphviz"):
            dot.render("out")
    # after backward the saved tensors are freed: still drawable
    y.backward()
    assert "ExpBackward0" in viz.make_dot(y, show_saved=True).source


def test_shared_node_once_and_tuple_outputs():
    a = reograd.tensor(2.0, requires_grad=True)
    b = a * a
    c = b + b.sin()
    src = viz.make_dot((c, b), params={"a": a}).source
    assert src.count('"MulBackward0"') == 1
    assert "out0" in src and "out1" in src


def test_text_graph():
    m, y = _mlp()
    txt = viz.text_graph(y, dict(m.named_parameters()), show_saved=True)
    lines = txt.splitlines()
    assert lines[0] == "MeanBackward0"
    assert any("TanhBackward0" in ln and "[saved: (2, 4)]" in ln for ln in lines)
    assert any(ln.endswith("AccumulateGrad: 0.weight (4, 3)") for ln in lines)
    assert "└── " in txt
    a = reograd.tensor(1.0, requires_grad=True)
    b = a.exp()
    assert "(see above)" in viz.text_graph(b * b)
    assert "no grad_fn" in viz.text_graph(reograd.ones(2))
