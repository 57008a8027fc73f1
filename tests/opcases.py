"""One table of cases per op kind drives every op test: gradcheck, gradgradcheck, jvp against finite
differences (float64), and forward/backward/double-backward/jvp parity with PyTorch.

A case's ``fn(lib, *inputs)`` is written once and run with ``lib`` = reograd and ``lib`` = torch:
the two share an API, so the same lambda exercises both.

    OpCase("mul", lambda t, a, b: t.mul(a, b), [(3, 4), (4,)])
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np
import pytest

import reograd
from reograd.autograd import forward_ad as fwad

try:  # parity needs torch; everything else runs without it
    import torch
except ImportError:  # pragma: no cover
    torch = None


# ----------------------------------------------------------------------------- input specs
@dataclasses.dataclass
class Arg:
    """A float input of ``shape`` drawn from U(low, high) (away from kinks when ``avoid`` is given)."""
    shape: tuple
    low: float = -2.0
    high: float = 2.0
    grad: bool = True
    avoid: tuple = ()      # values to keep at least 0.1 away from (e.g. 0 for abs)
    dtype: str = "float64"

    def make(self, rng):
        x = rng.uniform(self.low, self.high, size=self.shape)
        for v in self.avoid:
            close = np.abs(x - v) < 0.1
            x = np.where(close, v + np.sign(x - v + 1e-12) * 0.1 + (x - v), x)
        return x.astype(self.dtype)


def Pos(shape, low=0.2, high=2.0, **kw):
    """A strictly positive float input (log, sqrt, ...)."""
    return Arg(shape, low, high, **kw)


@dataclasses.dataclass
class Int:
    """An integer input (indices, no gradient)."""
    shape: tuple
    low: int = 0
    high: int = 3
    dtype: str = "int64"
    grad: bool = False

    def make(self, rng):
        return rng.integers(self.low, self.high, size=self.shape).astype(self.dtype)


@dataclasses.dataclass
class Bool:
    """A boolean mask input."""
    shape: tuple
    p: float = 0.5
    grad: bool = False

    def make(self, rng):
        return rng.random(self.shape) < self.p


@dataclasses.dataclass
class Fixed:
    """A fixed array input (e.g. a matrix made positive definite by the case)."""
    value: Any
    grad: bool = True

    def make(self, rng):
        return np.array(self.value() if callable(self.value) else self.value)


@dataclasses.dataclass
class OpCase:
    name: str                    # the op it covers, as named in the required list
    fn: Callable                 # fn(lib, *inputs)
    args: list                   # shapes (float inputs) or Arg/Pos/Int/Bool/Fixed specs
    grad: bool = True            # check first derivatives
    double: bool = True          # check second derivatives
    jvp: bool = True             # check forward mode
    atol: float = 1e-5
    rtol: float = 1e-3
    id: str = ""                 # test id suffix
    torch_fn: Callable = None    # if torch's spelling differs: torch_fn(torch, *inputs)
    seed: int = 0

    def __post_init__(self):
        self.args = [a if not isinstance(a, tuple) else Arg(a) for a in self.args]

    @property
    def test_id(self):
        return self.name + (f"-{self.id}" if self.id else "")


def case_ids(cases):
    return [c.test_id for c in cases]


def make_inputs(case, lib=reograd, arrays=None):
    rng = np.random.default_rng(case.seed)
    arrays = arrays if arrays is not None else [a.make(rng) for a in case.args]
    out = []
    for spec, arr in zip(case.args, arrays):
        if lib is reograd:
            t = reograd.tensor(arr)
        else:
            t = torch.tensor(arr)
        if spec.grad and case.grad and t.is_floating_point():
            t.requires_grad_(True)
        out.append(t)
    return out, arrays


def _outputs(res):
    res = res if isinstance(res, (tuple, list)) else (res,)
    return [r for r in res if hasattr(r, "is_floating_point") and r.is_floating_point()]


# ----------------------------------------------------------------------------- checks
def check_gradcheck(case):
    if not case.grad:
        pytest.skip(f"{case.name} is not differentiable")
    inputs, _ = make_inputs(case)
    assert reograd.autograd.gradcheck(lambda *xs: case.fn(reograd, *xs), inputs, atol=case.atol, rtol=case.rtol)


def check_gradgradcheck(case):
    if not (case.grad and case.double):
        pytest.skip(f"{case.name}: no second derivative to check")
    inputs, _ = make_inputs(case)
    assert reograd.autograd.gradgradcheck(lambda *xs: case.fn(reograd, *xs), inputs, atol=case.atol,
                                          rtol=case.rtol)


def check_jvp(case):
    """Forward mode against central differences along a random tangent."""
    if not (case.grad and case.jvp):
        pytest.skip(f"{case.name}: no forward-mode rule to check")
    inputs, arrays = make_inputs(case)
    rng = np.random.default_rng(case.seed + 1)
    tangents = [rng.standard_normal(a.shape) if s.grad and np.issubdtype(a.dtype, np.floating) else None
                for s, a in zip(case.args, arrays)]
    with fwad.dual_level():
        duals = [fwad.make_dual(x.detach(), reograd.tensor(t)) if t is not None else x
                 for x, t in zip(inputs, tangents)]
        outs = _outputs(case.fn(reograd, *duals))
        got = [fwad.unpack_dual(o).tangent for o in outs]
    eps = 1e-6

    def shifted(sign):
        xs = [reograd.tensor(a + sign * eps * t) if t is not None else reograd.tensor(a)
              for a, t in zip(arrays, tangents)]
        return [o.detach().numpy() for o in _outputs(case.fn(reograd, *xs))]

    numeric = [(p - m) / (2 * eps) for p, m in zip(shifted(1), shifted(-1))]
    for g, n in zip(got, numeric):
        g = np.zeros_like(n) if g is None else g.detach().numpy()
        np.testing.assert_allclose(g, n, atol=case.atol * 10, rtol=case.rtol * 10)


def _to_np(t):
    if t is None:
        return None
    if torch is not None and isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy(force=True)  # force: torch's ZeroTensor grads
    return t.detach().numpy()


def check_parity(case):
    """Forward, backward and double backward against PyTorch on the same float64 inputs."""
    if torch is None:
        pytest.skip("torch is not installed")
    r_in, arrays = make_inputs(case, reograd)
    t_in, _ = make_inputs(case, torch, arrays)
    tfn = case.torch_fn or case.fn
    r_out = case.fn(reograd, *r_in)
    t_out = tfn(torch, *t_in)
    r_list = r_out if isinstance(r_out, (tuple, list)) else [r_out]
    t_list = t_out if isinstance(t_out, (tuple, list)) else [t_out]
    assert len(r_list) == len(t_list), f"{case.name}: {len(r_list)} outputs, torch gives {len(t_list)}"
    for r, t in zip(r_list, t_list):
        if hasattr(t, "shape"):
            assert tuple(r.shape) == tuple(t.shape), f"{case.name}: shape {tuple(r.shape)} vs torch {tuple(t.shape)}"
            assert str(r.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], \
                f"{case.name}: dtype {r.dtype} vs torch {t.dtype}"
            np.testing.assert_allclose(_to_np(r), _to_np(t), rtol=1e-6, atol=1e-8, equal_nan=True)
        else:
            assert r == t
    if not case.grad:
        return
    r_diff = [x for x in r_in if x.requires_grad]
    t_diff = [x for x in t_in if x.requires_grad]
    r_outs, t_outs = _outputs(r_out), _outputs(t_out)
    r_outs = [o for o in r_outs if o.requires_grad]
    t_outs = [o for o in t_outs if o.requires_grad]
    if not t_outs:
        return
    rng = np.random.default_rng(case.seed + 2)
    ups = [rng.standard_normal(tuple(o.shape)) for o in t_outs]
    r_g = reograd.autograd.grad(r_outs, r_diff, [reograd.tensor(u) for u in ups], create_graph=case.double,
                                allow_unused=True)
    t_g = torch.autograd.grad(t_outs, t_diff, [torch.tensor(u) for u in ups], create_graph=case.double,
                              allow_unused=True)
    for i, (a, b) in enumerate(zip(r_g, t_g)):
        if b is None:
            assert a is None or np.allclose(_to_np(a), 0), f"{case.name}: grad {i} should be None/zero"
            continue
        assert a is not None, f"{case.name}: grad of input {i} is None, torch has one"
        np.testing.assert_allclose(_to_np(a), _to_np(b), rtol=1e-6, atol=1e-8,
                                   err_msg=f"{case.name}: backward, input {i}")
    if not case.double:
        return
    vs = [rng.standard_normal(tuple(g.shape)) if g is not None else None for g in t_g]
    r_terms = [(g * reograd.tensor(v)).sum() for g, v in zip(r_g, vs) if g is not None and g.requires_grad]
    t_terms = [(g * torch.tensor(v)).sum() for g, v in zip(t_g, vs) if g is not None and g.requires_grad]
    if not t_terms:
        assert not r_terms or all(not t.requires_grad for t in r_terms)
        return
    assert r_terms, f"{case.name}: first grads are not differentiable (create_graph gave no graph)"
    r_gg = reograd.autograd.grad(sum(r_terms[1:], r_terms[0]), r_diff, allow_unused=True)
    t_gg = torch.autograd.grad(sum(t_terms[1:], t_terms[0]), t_diff, allow_unused=True)
    for i, (a, b) in enumerate(zip(r_gg, t_gg)):
        if b is None:
            assert a is None or np.allclose(_to_np(a), 0), f"{case.name}: double grad {i} should be None/zero"
            continue
        a = np.zeros_like(_to_np(b)) if a is None else _to_np(a)
        np.testing.assert_allclose(a, _to_np(b), rtol=1e-5, atol=1e-7, err_msg=f"{case.name}: double backward, "
                                   f"input {i}")


def check_jvp_parity(case):
    """Forward-mode tangents against torch.func.jvp."""
    if torch is None:
        pytest.skip("torch is not installed")
    if not (case.grad and case.jvp):
        pytest.skip(f"{case.name}: no forward-mode rule to check")
    r_in, arrays = make_inputs(case, reograd)
    rng = np.random.default_rng(case.seed + 3)
    diff = [i for i, (s, a) in enumerate(zip(case.args, arrays)) if s.grad and np.issubdtype(a.dtype, np.floating)]
    tans = {i: rng.standard_normal(arrays[i].shape) for i in diff}
    tfn = case.torch_fn or case.fn

    def t_f(*xs):
        args = [torch.tensor(a) for a in arrays]
        for i, x in zip(diff, xs):
            args[i] = x
        return tuple(_outputs(tfn(torch, *args)))

    _, t_tan = torch.func.jvp(t_f, tuple(torch.tensor(arrays[i]) for i in diff),
                              tuple(torch.tensor(tans[i]) for i in diff))
    with fwad.dual_level():
        args = [reograd.tensor(a) for a in arrays]
        for i in diff:
            args[i] = fwad.make_dual(args[i], reograd.tensor(tans[i]))
        outs = _outputs(case.fn(reograd, *args))
        r_tan = [fwad.unpack_dual(o).tangent for o in outs]
    for a, b in zip(r_tan, t_tan):
        a = np.zeros(tuple(b.shape)) if a is None else _to_np(a)
        np.testing.assert_allclose(a, _to_np(b), rtol=1e-6, atol=1e-8, err_msg=f"{case.name}: jvp")


def make_tests(cases):
    """The standard test functions for a case table; a test module does ``globals().update(make_tests(CASES))``.

    A check that does not apply to a case (not differentiable, no second derivative, no forward rule)
    leaves the case out at collection, and a check that applies to no case is not generated at all,
    so nothing is reported as skipped."""
    checks = {
        "test_gradcheck": (check_gradcheck, lambda c: c.grad, False),
        "test_gradgradcheck": (check_gradgradcheck, lambda c: c.grad and c.double, False),
        "test_jvp": (check_jvp, lambda c: c.grad and c.jvp, False),
        "test_parity": (check_parity, lambda c: True, True),
        "test_jvp_parity": (check_jvp_parity, lambda c: c.grad and c.jvp, True),
    }
    tests = {}
    for name, (check, applies, parity) in checks.items():
        chosen = [c for c in cases if applies(c)]
        if not chosen:
            continue

        def test(case, check=check):
            check(case)

        test.__name__ = name
        test = pytest.mark.parametrize("case", chosen, ids=case_ids(chosen))(test)
        tests[name] = pytest.mark.parity(test) if parity else test
    return tests
