"""Comparisons, logical and bitwise ops, float class tests: forward parity with torch and semantics."""
import numpy as np
import pytest
from opcases import Bool, Fixed, Int, OpCase, make_tests

import reograd

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

NG = dict(grad=False)
S = (2, 3)
SPECIAL = Fixed([0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan])

CASES = [
    OpCase("eq", lambda t, a, b: t.eq(a, b), [Int(S, 0, 3), Int((3,), 0, 3)], **NG),
    OpCase("eq", lambda t, a: a == 1.0, [Int(S, 0, 3)], id="int-vs-float", **NG),
    OpCase("eq", lambda t, a: a == 1.5, [Int(S, 0, 3)], id="int-vs-frac", **NG),
    OpCase("eq", lambda t, a, b: a == b, [SPECIAL, SPECIAL], id="special", **NG),
    OpCase("ne", lambda t, a, b: t.ne(a, b), [Int(S, 0, 3), Int((3,), 0, 3)], **NG),
    OpCase("ne", lambda t, a, b: a != b, [SPECIAL, SPECIAL], id="nan", **NG),
    OpCase("not_equal", lambda t, a, b: t.not_equal(a, b), [Int((3,)), Int((3,))], **NG),
    OpCase("lt", lambda t, a, b: t.lt(a, b), [S, (3,)], **NG),
    OpCase("lt", lambda t, a: 0.5 < a, [S], id="reflected", **NG),
    OpCase("le", lambda t, a, b: t.le(a, b), [Int(S), Int((2, 1))], **NG),
    OpCase("le", lambda t, a: a <= 1, [Int(S)], id="op", **NG),
    OpCase("gt", lambda t, a, b: t.gt(a, b), [S, ()], **NG),
    OpCase("gt", lambda t, a, b: a > b, [Int((3,), dtype="uint8"), Int((3,), dtype="int8")], id="mixed-int", **NG),
    OpCase("ge", lambda t, a, b: t.ge(a, b), [Int(S), Int((3,))], **NG),
    OpCase("ge", lambda t, a: a >= 0.0, [SPECIAL], id="special", **NG),
    OpCase("greater", lambda t, a, b: t.greater(a, b), [(3,), (3,)], **NG),
    OpCase("greater_equal", lambda t, a, b: t.greater_equal(a, b), [Int((3,)), Int((3,))], **NG),
    OpCase("less", lambda t, a, b: t.less(a, b), [(3,), (3,)], **NG),
    OpCase("less_equal", lambda t, a, b: t.less_equal(a, b), [Int((3,)), Int((3,))], **NG),
    OpCase("isclose", lambda t, a, b: t.isclose(a, b), [Fixed([1.0, 1.0, np.inf, np.nan, -np.inf, 1e-9]),
                                                        Fixed([1.0 + 1e-6, 1.1, np.inf, np.nan, np.inf, 0.0])], **NG),
    OpCase("isclose", lambda t, a, b: t.isclose(a, b, rtol=0.1, atol=0.0, equal_nan=True),
           [Fixed([1.0, 1.0, np.nan, 0.0]), Fixed([1.05, 1.2, np.nan, 0.0])], id="params", **NG),
    OpCase("isclose", lambda t, a, b: t.isclose(a, b, rtol=0.5, atol=0), [Fixed([1, 2, 5]), Fixed([1, 3, 2])],
           id="int", **NG),
    OpCase("allclose", lambda t, a, b: t.allclose(a, b), [S, S], **NG),
    OpCase("allclose", lambda t, a: t.allclose(a, a + 1e-9), [S], id="near", **NG),
    OpCase("equal", lambda t, a, b: t.equal(a, b), [Int(S), Int(S)], **NG),
    OpCase("equal", lambda t, a: t.equal(a, a.clone()), [S], id="same", **NG),
    OpCase("logical_and", lambda t, a, b: t.logical_and(a, b), [Int(S), Bool((3,))], **NG),
    OpCase("logical_and", lambda t, a, b: t.logical_and(a, b), [SPECIAL, Fixed([1.0, 0.0, 0.0, 1, 1, 0, 1])],
           id="float", **NG),
    OpCase("logical_or", lambda t, a, b: t.logical_or(a, b), [Int(S), Int((2, 1))], **NG),
    OpCase("logical_xor", lambda t, a, b: t.logical_xor(a, b), [Bool(S), Bool(S)], **NG),
    OpCase("logical_not", lambda t, a: t.logical_not(a), [SPECIAL], **NG),
    OpCase("logical_not", lambda t, a: t.logical_not(a), [Int(S)], id="int", **NG),
    OpCase("bitwise_and", lambda t, a, b: t.bitwise_and(a, b), [Int(S, -8, 8), Int((3,), 0, 16)], **NG),
    OpCase("bitwise_and", lambda t, a, b: a & b, [Bool(S), Bool(S)], id="bool", **NG),
    OpCase("bitwise_and", lambda t, a: 6 & a, [Int(S, 0, 16, dtype="int16")], id="rand", **NG),
    OpCase("bitwise_or", lambda t, a, b: t.bitwise_or(a, b), [Int(S, -8, 8), Int((3,), 0, 16, dtype="uint8")], **NG),
    OpCase("bitwise_or", lambda t, a, b: a | b, [Bool(S), Bool((3,))], id="bool", **NG),
    OpCase("bitwise_xor", lambda t, a, b: t.bitwise_xor(a, b), [Int(S, -8, 8), Int((3,), 0, 16)], **NG),
    OpCase("bitwise_xor", lambda t, a: a ^ True, [Bool(S)], id="bool-scalar", **NG),
    OpCase("bitwise_not", lambda t, a: t.bitwise_not(a), [Int(S, -8, 8, dtype="int32")], **NG),
    OpCase("bitwise_not", lambda t, a: ~a, [Bool(S)], id="bool", **NG),
    OpCase("bitwise_not", lambda t, a: ~a, [Int(S, 0, 255, dtype="uint8")], id="uint8", **NG),
    OpCase("bitwise_left_shift", lambda t, a, b: t.bitwise_left_shift(a, b), [Int(S, -8, 8), Int((3,), 0, 5)], **NG),
    OpCase("bitwise_left_shift", lambda t, a, b: a << b,
           [Fixed(np.array([5, -5, 1 << 40, 3, 7])), Fixed(np.array([63, 64, 30, -1, 70]))], id="range", **NG),
    OpCase("bitwise_left_shift", lambda t, a: 1 << a, [Int((4,), 0, 8)], id="rlshift", **NG),
    OpCase("bitwise_right_shift", lambda t, a, b: a >> b, [Int(S, -64, 64), Int((3,), 0, 5)], **NG),
    OpCase("bitwise_right_shift", lambda t, a, b: a >> b,
           [Fixed(np.array([5, -5, 1 << 40, -3, 7])), Fixed(np.array([63, 64, 30, -1, 70]))], id="range", **NG),
    OpCase("bitwise_right_shift", lambda t, a: a >> 9, [Fixed(np.array([200, 3, 255], dtype=np.uint8))],
           id="uint8", **NG),
    OpCase("isnan", lambda t, a: t.isnan(a), [SPECIAL], **NG),
    OpCase("isnan", lambda t, a: t.isnan(a), [Int(S)], id="int", **NG),
    OpCase("isinf", lambda t, a: t.isinf(a), [SPECIAL], **NG),
    OpCase("isfinite", lambda t, a: t.isfinite(a), [SPECIAL], **NG),
    OpCase("isfinite", lambda t, a: t.isfinite(a), [Int(S)], id="int", **NG),
    OpCase("isposinf", lambda t, a: t.isposinf(a), [SPECIAL], **NG),
    OpCase("isneginf", lambda t, a: t.isneginf(a), [SPECIAL], **NG),
    OpCase("isreal", lambda t, a: t.isreal(a), [SPECIAL], **NG),
    OpCase("isreal", lambda t, a: t.isreal(a), [Bool(S)], id="bool", **NG),
    OpCase("signbit", lambda t, a: t.signbit(a), [SPECIAL], **NG),
    OpCase("signbit", lambda t, a: t.signbit(a), [Int(S, -3, 3)], id="int", **NG),
    OpCase("signbit", lambda t, a: t.signbit(a), [Bool(S)], id="bool", **NG),
]
globals().update(make_tests(CASES))


def _t(x, **kw):
    return reograd.tensor(x, **kw)


def test_comparison_results_are_bool_and_not_differentiable():
    x = _t([1.0, 2.0], requires_grad=True)
    for r in (x == 1, x < 2, x > x, x.isnan(), x.signbit(), reograd.logical_not(x)):
        assert r.dtype is reograd.bool and not r.requires_grad and r.grad_fn is None


def test_eq_with_non_tensors():
    x = _t([1, 2])
    assert (x == None) is False  # noqa: E711  (as torch)
    assert (x != None) is True  # noqa: E711
    assert (x == "a") is False
    with pytest.raises(TypeError):
        x < "a"
    assert (_t([1, 2], dtype=reograd.uint8) == -1).tolist() == [False, False]


def test_tensor_stays_hashable():
    x = _t([1.0])
    assert {x: 1}[x] == 1


def test_bitwise_errors():
    with pytest.raises(NotImplementedError, match="Float"):
        _t([1.0]) & _t([1.0])
    with pytest.raises(NotImplementedError, match="Float"):
        ~_t([1.0])
    with pytest.raises(NotImplementedError, match="Bool"):
        _t([True]) >> _t([True])
    assert (_t([True]) << 1).dtype is reograd.int64


def test_isclose_errors():
    with pytest.raises(RuntimeError, match="did not match"):
        reograd.isclose(_t([1.0]), _t([1]))
    with pytest.raises(TypeError):
        reograd.isclose(_t([1.0]), 1.0)
    with pytest.raises(RuntimeError, match="isclose"):
        reograd.isclose(_t([1.0, 2.0]), _t([1.0, 2.0, 3.0]))


def test_equal_semantics():
    assert reograd.equal(_t([1.0]), _t([1]))
    assert not reograd.equal(_t([1.0]), _t([1.0, 1.0]))
    assert not reograd.equal(_t([np.nan]), _t([np.nan]))
    assert reograd.allclose(_t([1.0, np.nan]), _t([1.0, np.nan]), equal_nan=True)


def test_inplace_comparisons_and_logical():
    x = _t([1.0, 2.0, 3.0])
    assert x.gt_(1.5) is x and x.tolist() == [0.0, 1.0, 1.0] and x.dtype is reograd.float32
    b = _t([True, False])
    b &= _t([True, True])
    b |= _t([False, False])
    b ^= _t([True, True])
    assert b.tolist() == [False, True]
    i = _t([1, 2])
    i <<= 2
    i >>= 1
    assert i.tolist() == [2, 4]
    m = _t([True, False])
    assert m.logical_not_().tolist() == [False, True]


def test_broadcast_error_names_op():
    with pytest.raises(RuntimeError, match="eq"):
        reograd.eq(reograd.ones(2, 3), reograd.ones(4))


def test_out_argument():
    out = reograd.empty(3, dtype=reograd.bool)
    r = reograd.lt(_t([1, 2, 3]), 2, out=out)
    assert r is out and out.tolist() == [True, False, False]
