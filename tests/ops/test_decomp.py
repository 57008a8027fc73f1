"""Decompositions, solvers, determinants and norms: gradients (finite differences) and parity with PyTorch.

Decompositions are tested through gauge-invariant functions (singular vectors and eigenvectors are
defined up to sign) and on well-conditioned inputs built inside the case from a raw input, so that
gradcheck perturbs the raw input freely: A + 4I (invertible), X X^T + nI (positive definite), X + X^T
(symmetric).
"""
import numpy as np
import pytest

import reograd
from opcases import Arg, Fixed, OpCase, make_tests

INF = float("inf")


def well(t, a):
    """a + 4I: safely invertible for entries in [-2, 2]... mostly; n <= 3 keeps it diagonally dominant."""
    return a + 4 * t.eye(a.shape[-1], dtype=a.dtype)


def spd(t, a):
    return a @ a.mT + a.shape[-1] * t.eye(a.shape[-1], dtype=a.dtype)


def sym(t, a):
    return a + a.mT


CASES = [
    OpCase("linalg.inv", lambda t, a: t.linalg.inv(well(t, a)), [(3, 3)]),
    OpCase("linalg.inv", lambda t, a: t.linalg.inv(well(t, a)), [(2, 2, 2)], id="batched"),
    OpCase("inverse", lambda t, a: t.inverse(well(t, a)), [(3, 3)]),
    OpCase("linalg.inv_ex", lambda t, a: t.linalg.inv_ex(well(t, a)), [(3, 3)]),
    OpCase("linalg.det", lambda t, a: t.linalg.det(a), [(3, 3)]),
    OpCase("linalg.det", lambda t, a: t.linalg.det(a), [(2, 2, 2)], id="batched"),
    OpCase("det", lambda t, a: t.det(a), [(1, 1)], id="1x1", double=False),
    OpCase("det", lambda t, a: a.det(), [Fixed([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, 1.0, -1.0]])],
           id="singular", double=False, torch_fn=lambda t, a: _sarrus(a)),
    OpCase("linalg.slogdet", lambda t, a: t.linalg.slogdet(a), [(3, 3)], jvp=False),  # torch: ZeroTensor tangent
    OpCase("linalg.slogdet", lambda t, a: t.linalg.slogdet(a).logabsdet, [(2, 3, 3)], id="logabsdet"),
    OpCase("slogdet", lambda t, a: t.slogdet(well(t, a)), [(2, 3, 3)], jvp=False),
    OpCase("logdet", lambda t, a: t.logdet(spd(t, a)), [(3, 3)]),
    OpCase("linalg.solve", lambda t, a, b: t.linalg.solve(well(t, a), b), [(3, 3), (3, 2)]),
    OpCase("linalg.solve", lambda t, a, b: t.linalg.solve(well(t, a), b), [(3, 3), (3,)], id="vector"),
    OpCase("linalg.solve", lambda t, a, b: t.linalg.solve(well(t, a), b), [(2, 3, 3), (3, 2)], id="broadcast"),
    OpCase("linalg.solve", lambda t, a, b: t.linalg.solve(well(t, a), b, left=False), [(3, 3), (2, 3)],
           id="right"),
    OpCase("linalg.solve_triangular", lambda t, a, b: t.linalg.solve_triangular(well(t, a), b, upper=True),
           [(3, 3), (3, 2)]),
    OpCase("linalg.solve_triangular", lambda t, a, b: t.linalg.solve_triangular(well(t, a), b, upper=False,
                                                                                unitriangular=True),
           [(3, 3), (3, 2)], id="unit"),
    OpCase("linalg.cholesky", lambda t, a: t.linalg.cholesky(spd(t, a)), [(3, 3)]),
    OpCase("linalg.cholesky", lambda t, a: t.linalg.cholesky(spd(t, a), upper=True), [(2, 3, 3)], id="upper"),
    OpCase("linalg.cholesky_ex", lambda t, a: t.linalg.cholesky_ex(spd(t, a)), [(3, 3)]),
    OpCase("cholesky", lambda t, a: t.cholesky(spd(t, a)), [(3, 3)],
           torch_fn=lambda t, a: t.linalg.cholesky(spd(t, a))),  # torch.cholesky has no forward AD
    OpCase("linalg.qr", lambda t, a: t.linalg.qr(a), [(3, 3)]),
    OpCase("linalg.qr", lambda t, a: t.linalg.qr(a), [(2, 4, 3)], id="tall"),
    OpCase("linalg.qr", lambda t, a: t.linalg.qr(a), [(3, 5)], id="wide"),
    OpCase("linalg.qr", lambda t, a: t.linalg.qr(a, mode="complete"), [(2, 4)], id="complete"),
    OpCase("linalg.qr", lambda t, a: t.linalg.qr(a, mode="r")[1], [(4, 3)], id="r", grad=False),
    OpCase("qr", lambda t, a: t.qr(a), [(4, 3)]),
    OpCase("linalg.svd", lambda t, a: _svd_inv(t, *t.linalg.svd(a, full_matrices=False)), [(3, 3)]),
    OpCase("linalg.svd", lambda t, a: _svd_inv(t, *t.linalg.svd(a, full_matrices=False)), [(2, 4, 3)], id="tall"),
    OpCase("linalg.svd", lambda t, a: _svd_inv(t, *t.linalg.svd(a, full_matrices=False)), [(3, 5)], id="wide"),
    OpCase("linalg.svd", lambda t, a: t.linalg.svd(a)[1], [(3, 4)], id="full_S"),
    OpCase("linalg.svd", lambda t, a: _svd_full(t, a), [(4, 3)], id="full"),
    OpCase("svd", lambda t, a: _svd_v(t, *t.svd(a)), [(4, 3)]),
    OpCase("linalg.svdvals", lambda t, a: t.linalg.svdvals(a), [(2, 3, 4)]),
    OpCase("linalg.eigh", lambda t, a: _eigh_inv(t, *t.linalg.eigh(sym(t, a))), [(3, 3)]),
    OpCase("linalg.eigh", lambda t, a: _eigh_inv(t, *t.linalg.eigh(sym(t, a), UPLO="U")), [(2, 3, 3)], id="U"),
    OpCase("linalg.eigvalsh", lambda t, a: t.linalg.eigvalsh(sym(t, a)), [(3, 3)]),
    OpCase("linalg.pinv", lambda t, a: t.linalg.pinv(a), [(3, 4)]),
    OpCase("linalg.pinv", lambda t, a: t.linalg.pinv(a), [(2, 4, 3)], id="tall"),
    OpCase("linalg.pinv", lambda t, a: t.linalg.pinv(sym(t, a), hermitian=True), [(3, 3)], id="hermitian"),
    OpCase("pinverse", lambda t, a: t.pinverse(a), [(3, 2)]),
    OpCase("linalg.matrix_power", lambda t, a: t.linalg.matrix_power(a, 3), [(3, 3)], atol=1e-4),
    OpCase("linalg.matrix_power", lambda t, a: t.linalg.matrix_power(well(t, a), -2), [(2, 3, 3)], id="neg"),
    OpCase("matrix_power", lambda t, a: t.matrix_power(a, 0), [(3, 3)], id="zero"),
    OpCase("matrix_power", lambda t, a: a.matrix_power(5), [(2, 2)], id="five", atol=1e-4),
    OpCase("linalg.vector_norm", lambda t, a: t.linalg.vector_norm(a), [(3, 4)]),
    OpCase("linalg.vector_norm", lambda t, a: t.linalg.vector_norm(a, 1, dim=-1), [Arg((3, 4), avoid=(0,))],
           id="l1"),
    OpCase("linalg.vector_norm", lambda t, a: t.linalg.vector_norm(a, INF, dim=(0, 2), keepdim=True),
           [(2, 3, 4)], id="inf"),
    OpCase("linalg.vector_norm", lambda t, a: t.linalg.vector_norm(a, -INF, dim=0), [(3, 4)], id="neginf"),
    OpCase("linalg.vector_norm", lambda t, a: t.linalg.vector_norm(a, 0, dim=1), [(3, 4)], id="zero"),
    OpCase("linalg.vector_norm", lambda t, a: t.linalg.vector_norm(a, 3, dim=1, keepdim=True), [(3, 4)], id="p3"),
    OpCase("linalg.vector_norm", lambda t, a: t.linalg.vector_norm(a, 0.5), [Arg((5,), avoid=(0,))], id="p05",
           rtol=1e-2),
    OpCase("linalg.vector_norm", lambda t, a: t.linalg.vector_norm(a), [()], id="0d"),
    OpCase("linalg.matrix_norm", lambda t, a: t.linalg.matrix_norm(a), [(2, 3, 4)]),
    OpCase("linalg.matrix_norm", lambda t, a: t.linalg.matrix_norm(a, "nuc"), [(2, 3, 4)], id="nuc"),
    OpCase("linalg.matrix_norm", lambda t, a: t.linalg.matrix_norm(a, 2, keepdim=True), [(2, 3, 4)], id="2"),
    OpCase("linalg.matrix_norm", lambda t, a: t.linalg.matrix_norm(a, -2, dim=(0, 2)), [(3, 2, 4)], id="-2"),
    OpCase("linalg.matrix_norm", lambda t, a: t.linalg.matrix_norm(a, 1), [Arg((3, 4), avoid=(0,))], id="1"),
    OpCase("linalg.matrix_norm", lambda t, a: t.linalg.matrix_norm(a, -1), [Arg((3, 4), avoid=(0,))], id="-1"),
    OpCase("linalg.matrix_norm", lambda t, a: t.linalg.matrix_norm(a, INF, keepdim=True),
           [Arg((2, 3, 4), avoid=(0,))], id="inf"),
    OpCase("linalg.matrix_norm", lambda t, a: t.linalg.matrix_norm(a, -INF), [Arg((3, 4), avoid=(0,))], id="-inf"),
    OpCase("linalg.norm", lambda t, a: t.linalg.norm(a), [(2, 3, 4)]),
    OpCase("linalg.norm", lambda t, a: t.linalg.norm(a, 3, dim=1), [(2, 3, 4)], id="vec"),
    OpCase("linalg.norm", lambda t, a: t.linalg.norm(a, "nuc", dim=(0, 1)), [(3, 4, 2)], id="mat"),
    OpCase("linalg.norm", lambda t, a: t.linalg.norm(a, INF), [Arg((3, 4), avoid=(0,))], id="2d"),
    OpCase("linalg.multi_dot", lambda t, a, b, c: t.linalg.multi_dot([a, b, c]), [(2, 3), (3, 4), (4, 1)]),
    OpCase("linalg.multi_dot", lambda t, a, b, c: t.linalg.multi_dot([a, b, c]), [(3,), (3, 4), (4,)], id="vecs"),
    OpCase("linalg.vecdot", lambda t, a, b: t.linalg.vecdot(a, b), [(2, 3), (3,)]),
    OpCase("linalg.lstsq", lambda t, a, b: t.linalg.lstsq(a, b).solution, [(4, 2), (4, 3)]),
    OpCase("linalg.matrix_rank", lambda t, a: t.linalg.matrix_rank(a),
           [Fixed([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, 1.0, -1.0]])], grad=False),
    OpCase("linalg.matrix_rank", lambda t, a: t.linalg.matrix_rank(a, hermitian=True), [Fixed(np.eye(3))],
           grad=False, id="hermitian"),
]


def _sarrus(a):
    """3x3 determinant by Sarrus' rule: torch's det gives a zero gradient at singular matrices, this the true one
    (the cofactor matrix)."""
    return (a[0, 0] * a[1, 1] * a[2, 2] + a[0, 1] * a[1, 2] * a[2, 0] + a[0, 2] * a[1, 0] * a[2, 1]
            - a[0, 2] * a[1, 1] * a[2, 0] - a[0, 0] * a[1, 2] * a[2, 1] - a[0, 1] * a[1, 0] * a[2, 2])


def _svd_inv(t, u, s, vh):
    """Functions of an SVD that do not depend on the signs of singular vector pairs."""
    return u @ vh, s, u * u, vh * vh


def _svd_v(t, u, s, v):
    return u @ v.mT, s, v * v


def _svd_full(t, a):
    u, s, vh = t.linalg.svd(a)  # full U (4, 4): its last column is defined up to sign only
    k = s.shape[-1]
    uk = u @ t.eye(u.shape[-1], k, dtype=a.dtype)
    return uk @ vh, s


def _eigh_inv(t, lam, v):
    return lam, v * v, v @ t.diag_embed(lam.exp()) @ v.mT


globals().update(make_tests(CASES))


def t_(x):
    return reograd.tensor(np.asarray(x, dtype=np.float64))


def test_singular_errors_name_the_pivot():
    a = t_([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(RuntimeError, match="linalg.inv: The diagonal element 2 is zero, the inversion could not be "
                                           "completed because the input matrix is singular."):
        reograd.linalg.inv(a)
    with pytest.raises(RuntimeError, match=r"linalg.inv: \(Batch element 1\): The diagonal element 2 is zero"):
        reograd.linalg.inv(t_([np.eye(2), a.numpy()]))
    with pytest.raises(RuntimeError, match="linalg.solve: The solver failed because the input matrix is singular"):
        reograd.linalg.solve(a, t_([1.0, 1.0]))
    with pytest.raises(reograd.linalg.LinAlgError, match=r"the leading minor of order 2 is not positive-definite"):
        reograd.linalg.cholesky(t_([[1.0, 2.0], [2.0, 1.0]]))


def test_shape_errors():
    with pytest.raises(RuntimeError, match="linalg.inv: A must be batches of square matrices, but they are 2 by 3"):
        reograd.linalg.inv(t_(np.ones((2, 3))))
    with pytest.raises(RuntimeError, match=r"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                                           r"\(3x3 and 2x1\)"):
        reograd.linalg.solve(t_(np.eye(3)), t_(np.ones(2)))
    with pytest.raises(RuntimeError, match="Expected a floating point"):
        reograd.linalg.det(reograd.ones(2, 2, dtype=reograd.int64))
    with pytest.raises(RuntimeError, match="UPLO"):
        reograd.linalg.eigh(t_(np.eye(2)), UPLO="X")


def test_ex_variants_report_info():
    a = t_([[1.0, 2.0], [2.0, 4.0]])
    inv, info = reograd.linalg.inv_ex(a)
    assert int(info) == 2
    L, info = reograd.linalg.cholesky_ex(t_([[1.0, 2.0], [2.0, 1.0]]))
    assert int(info) == 2
    assert info.dtype is reograd.int32


def test_return_types_and_torch_svd_v():
    a = t_(np.random.default_rng(0).standard_normal((4, 3)))
    r = reograd.linalg.slogdet(t_(np.eye(2) * 2))
    assert r.sign.item() == 1.0 and abs(r.logabsdet.item() - np.log(4)) < 1e-12
    U, S, V = reograd.svd(a)
    assert tuple(U.shape) == (4, 3) and tuple(V.shape) == (3, 3)
    np.testing.assert_allclose((U @ reograd.diag_embed(S) @ V.mT).numpy(), a.numpy(), atol=1e-12)
    U, S, V = reograd.svd(a, some=False)
    assert tuple(U.shape) == (4, 4)
    Q, R = reograd.linalg.qr(a, mode="complete")
    assert tuple(Q.shape) == (4, 4) and tuple(R.shape) == (4, 3)
    assert type(reograd.linalg.eigh(t_(np.eye(2)))).__name__ == "linalg_eigh"


def test_complete_qr_backward_refused_for_tall():
    a = reograd.tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    Q, R = reograd.linalg.qr(a, mode="complete")
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete' and nrows > ncols"):
        Q.sum().backward()


def test_logdet_negative_is_nan():
    assert np.isnan(reograd.logdet(t_([[0.0, 1.0], [1.0, 0.0]])).item())
