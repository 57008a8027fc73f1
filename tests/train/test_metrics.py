"""Metrics and regularizers vs values computed by hand from the definitions."""
import math

import numpy as np
import pytest

import reograd
from reograd import nn
from reograd.train import (Mean, accuracy, confusion_matrix, elastic_net_penalty, f1_score, l1_penalty, l2_penalty,
                           max_norm_, precision, recall, top_k_accuracy)

# 3 classes, 8 samples. Truth / prediction pairs:
#   t: 0 0 0 1 1 2 2 2
#   p: 0 1 0 1 2 2 2 0
T = [0, 0, 0, 1, 1, 2, 2, 2]
P = [0, 1, 0, 1, 2, 2, 2, 0]
# confusion (rows truth, cols pred):
CM = [[2, 1, 0],
      [0, 1, 1],
      [1, 0, 2]]
# per class: tp = (2, 1, 2); fp = (1, 1, 1); fn = (1, 1, 1)
PREC = [2 / 3, 1 / 2, 2 / 3]
REC = [2 / 3, 1 / 2, 2 / 3]


def _logits(labels, c=3):
    x = np.full((len(labels), c), -1.0, dtype=np.float32)
    x[np.arange(len(labels)), labels] = 2.0
    return reograd.tensor(x)


def test_accuracy_from_labels_and_logits():
    t = reograd.tensor(T)
    assert accuracy(reograd.tensor(P), t).item() == pytest.approx(5 / 8)
    a = accuracy(_logits(P), t)
    assert a.dim() == 0 and a.dtype == reograd.float32
    assert a.item() == pytest.approx(5 / 8)


def test_accuracy_binary_probabilities_and_ignore_index():
    probs = reograd.tensor([0.9, 0.2, 0.6, 0.4])
    assert accuracy(probs, reograd.tensor([1, 0, 0, 0])).item() == pytest.approx(3 / 4)
    assert accuracy(reograd.tensor(P), reograd.tensor(T), ignore_index=2).item() == pytest.approx(3 / 5)


def test_accuracy_shape_error():
    with pytest.raises(ValueError, match="accuracy"):
        accuracy(reograd.zeros(4, 3, 2, 1), reograd.tensor([0, 1, 2, 0]))


def test_top_k_accuracy():
    s = reograd.tensor([[0.1, 0.5, 0.4],    # top2 = {1, 2}
                        [0.7, 0.2, 0.1],    # top2 = {0, 1}
                        [0.3, 0.3, 0.4]])   # top1 = 2
    t = reograd.tensor([2, 2, 2])
    assert top_k_accuracy(s, t, k=1).item() == pytest.approx(1 / 3)
    assert top_k_accuracy(s, t, k=2).item() == pytest.approx(2 / 3)
    assert top_k_accuracy(s, t, k=3).item() == pytest.approx(1.0)
    assert accuracy(s, t, top_k=2).item() == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="k=4"):
        top_k_accuracy(s, t, k=4)


def test_confusion_matrix_counts_and_normalized():
    cm = confusion_matrix(reograd.tensor(P), reograd.tensor(T), num_classes=3)
    assert cm.dtype == reograd.int64
    assert cm.tolist() == CM
    assert confusion_matrix(_logits(P), reograd.tensor(T)).tolist() == CM  # num_classes inferred
    rows = confusion_matrix(reograd.tensor(P), reograd.tensor(T), 3, normalize="true").numpy()
    np.testing.assert_allclose(rows, np.array(CM) / np.array(CM).sum(1, keepdims=True), rtol=1e-6)
    big = confusion_matrix(reograd.tensor([0, 1]), reograd.tensor([0, 1]), num_classes=4)
    assert big.shape == (4, 4) and big.sum().item() == 2
    with pytest.raises(ValueError, match="labels must lie"):
        confusion_matrix(reograd.tensor([0, 5]), reograd.tensor([0, 1]), num_classes=3)


def test_precision_recall_f1_macro_micro_none():
    p, t = reograd.tensor(P), reograd.tensor(T)
    assert precision(p, t).item() == pytest.approx(np.mean(PREC))
    assert recall(p, t).item() == pytest.approx(np.mean(REC))
    f1 = [2 * a * b / (a + b) for a, b in zip(PREC, REC)]
    assert f1_score(p, t).item() == pytest.approx(np.mean(f1))
    np.testing.assert_allclose(precision(p, t, average=None).numpy(), PREC, rtol=1e-6)
    # micro precision == micro recall == accuracy for single-label problems
    assert precision(p, t, average="micro").item() == pytest.approx(5 / 8)
    assert f1_score(p, t, average="micro").item() == pytest.approx(5 / 8)
    # weighted: supports (3, 2, 3)
    assert recall(p, t, average="weighted").item() == pytest.approx((3 * 2 / 3 + 2 * 1 / 2 + 3 * 2 / 3) / 8)


def test_macro_skips_absent_classes_and_zero_division():
    # class 3 occurs nowhere (left out of the macro mean); class 1 is never predicted (precision 0)
    p, t = reograd.tensor([0, 0, 2]), reograd.tensor([0, 1, 2])
    assert precision(p, t, num_classes=4).item() == pytest.approx((0.5 + 0 + 1) / 3)
    assert recall(p, t, num_classes=4).item() == pytest.approx((1 + 0 + 1) / 3)
    with pytest.raises(ValueError, match="average"):
        precision(p, t, average="bogus")


def test_mean_meter():
    m = Mean()
    assert math.isnan(m.compute())
    m.update(1.0, weight=3)
    m.update(3.0)
    assert m.compute() == pytest.approx(1.5)
    m.update(reograd.tensor([5.0, 7.0]))  # each element counts once
    assert m.value == pytest.approx((3 + 3 + 12) / 6)
    m.reset()
    assert math.isnan(m.compute())


def _net():
    reograd.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))


def test_l1_l2_penalties_weights_only_and_gradients():
    net = _net()
    w1, w2 = net[0].weight, net[2].weight
    exp_l1 = np.abs(w1.detach().numpy()).sum() + np.abs(w2.detach().numpy()).sum()
    exp_l2 = (w1.detach().numpy() ** 2).sum() + (w2.detach().numpy() ** 2).sum()
    assert l1_penalty(net).item() == pytest.approx(exp_l1, rel=1e-5)
    assert l2_penalty(net).item() == pytest.approx(exp_l2, rel=1e-5)
    with_b = exp_l2 + (net[0].bias.detach().numpy() ** 2).sum() + (net[2].bias.detach().numpy() ** 2).sum()
    assert l2_penalty(net, include_bias=True).item() == pytest.approx(with_b, rel=1e-5)
    # gradient of alpha/2 ||w||^2 is alpha * w (weight decay)
    (0.5 * 0.1 * l2_penalty(net)).backward()
    np.testing.assert_allclose(w1.grad.numpy(), 0.1 * w1.detach().numpy(), rtol=1e-5)
    assert net[0].bias.grad is None
    en = elastic_net_penalty(net, l1_ratio=0.3).item()
    assert en == pytest.approx(0.3 * exp_l1 + 0.7 / 2 * exp_l2, rel=1e-5)


def test_max_norm_renorms_rows():
    lin = nn.Linear(3, 3)
    with reograd.no_grad():
        lin.weight.copy_(reograd.tensor([[3.0, 4.0, 0.0], [0.3, 0.4, 0.0], [0.0, 0.0, -10.0]]))
    max_norm_(lin, 2.0)
    w = lin.weight.detach().numpy()
    np.testing.assert_allclose(np.linalg.norm(w, axis=1), [2.0, 0.5, 2.0], rtol=1e-5)
    np.testing.assert_allclose(w[0], [1.2, 1.6, 0.0], rtol=1e-5)   # direction kept
    np.testing.assert_allclose(w[1], [0.3, 0.4, 0.0], rtol=1e-6)   # inside the ball: unchanged
    assert lin.weight.requires_grad
    with pytest.raises(ValueError, match="max_norm"):
        max_norm_(lin, 0.0)
