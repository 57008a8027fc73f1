"""Products, einsum, diagonals, triangles, cross, cdist: gradients and parity with PyTorch."""
import numpy as np
import pytest

import reograd
from opcases import OpCase, make_tests

def _cdist_ref(p):
    """torch.cdist has no double backward nor forward AD: compare with the same math composed in torch
    (test_cdist_forward_matches_torch checks torch.cdist itself)."""
    return lambda t, a, b: t.linalg.vector_norm(a.unsqueeze(-2) - b.unsqueeze(-3), p, dim=-1)


CASES = [
    OpCase("matmul", lambda t, a, b: t.matmul(a, b), [(3,), (3,)], id="vv"),
    OpCase("matmul", lambda t, a, b: t.matmul(a, b), [(2, 3), (3,)], id="mv"),
    OpCase("matmul", lambda t, a, b: t.matmul(a, b), [(3,), (2, 3, 4)], id="vbatched"),
    OpCase("matmul", lambda t, a, b: a @ b, [(2, 1, 3, 4), (3, 4, 2)], id="broadcast"),
    OpCase("mm", lambda t, a, b: t.mm(a, b), [(3, 4), (4, 2)]),
    OpCase("bmm", lambda t, a, b: t.bmm(a, b), [(2, 3, 4), (2, 4, 2)]),
    OpCase("mv", lambda t, a, b: t.mv(a, b), [(3, 4), (4,)]),
    OpCase("dot", lambda t, a, b: t.dot(a, b), [(5,), (5,)]),
    OpCase("vdot", lambda t, a, b: t.vdot(a, b), [(5,), (5,)]),
    OpCase("outer", lambda t, a, b: t.outer(a, b), [(3,), (4,)]),
    OpCase("ger", lambda t, a, b: t.ger(a, b), [(3,), (2,)]),
    OpCase("inner", lambda t, a, b: t.inner(a, b), [(2, 3), (4, 3)]),
    OpCase("inner", lambda t, a, b: t.inner(a, b), [(), (2, 3)], id="scalar"),
    OpCase("addmm", lambda t, c, a, b: t.addmm(c, a, b), [(3, 2), (3, 4), (4, 2)]),
    OpCase("addmm", lambda t, c, a, b: t.addmm(c, a, b, beta=0.5, alpha=-2.0), [(2,), (3, 4), (4, 2)], id="scaled"),
    OpCase("addmm", lambda t, c, a, b: t.addmm(c, a, b, beta=0), [(3, 2), (3, 4), (4, 2)], id="beta0"),
    OpCase("addmv", lambda t, c, a, b: t.addmv(c, a, b, beta=2, alpha=0.5), [(3,), (3, 4), (4,)]),
    OpCase("addr", lambda t, c, a, b: t.addr(c, a, b, alpha=2), [(3, 2), (3,), (2,)]),
    OpCase("addbmm", lambda t, c, a, b: t.addbmm(c, a, b, beta=0.5, alpha=1.5), [(3, 2), (4, 3, 5), (4, 5, 2)]),
    OpCase("baddbmm", lambda t, c, a, b: t.baddbmm(c, a, b, beta=-1, alpha=2), [(3, 1), (2, 3, 4), (2, 4, 2)]),
    OpCase("einsum", lambda t, a, b: t.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)]),
    OpCase("einsum", lambda t, a: t.einsum("ii->i", a), [(3, 3)], id="diag"),
    OpCase("einsum", lambda t, a: t.einsum("ii", a), [(3, 3)], id="trace"),
    OpCase("einsum", lambda t, a: t.einsum("iji->j", a), [(3, 2, 3)], id="repeated"),
    OpCase("einsum", lambda t, a: t.einsum("ij->", a), [(2, 3)], id="sumall"),
    OpCase("einsum", lambda t, a: t.einsum("ij->ji", a), [(2, 3)], id="transpose"),
    OpCase("einsum", lambda t, a, b: t.einsum("i,j->ij", a, b), [(2,), (3,)], id="outer"),
    OpCase("einsum", lambda t, a, b: t.einsum("ij,jk", a, b), [(2, 3), (3, 4)], id="implicit"),
    OpCase("einsum", lambda t, a, b: t.einsum("...ij,...jk", a, b), [(2, 3, 4), (4, 2)], id="ellipsis"),
    OpCase("einsum", lambda t, a, b: t.einsum("...ij,...jk->...ik", a, b), [(1, 3, 4), (2, 4, 2)],
           id="ellipsis_bcast"),
    OpCase("einsum", lambda t, a, b, c: t.einsum("ij,jk,kl->il", a, b, c), [(2, 3), (3, 4), (4, 2)], id="three"),
    OpCase("einsum", lambda t, a, b: t.einsum("bij,bjk->bik", [a, b]), [(2, 2, 3), (2, 3, 2)], id="list"),
    OpCase("einsum", lambda t, a, b: t.einsum("ii,i->i", a, b), [(3, 3), (3,)], id="diag_mul"),
    OpCase("tensordot", lambda t, a, b: t.tensordot(a, b), [(2, 3, 4), (3, 4, 2)]),
    OpCase("tensordot", lambda t, a, b: t.tensordot(a, b, dims=([1, 0], [0, 2])), [(3, 2, 4), (2, 4, 3)], id="lists"),
    OpCase("tensordot", lambda t, a, b: t.tensordot(a, b, dims=0), [(2,), (3,)], id="outer"),
    OpCase("kron", lambda t, a, b: t.kron(a, b), [(2, 3), (2, 2)]),
    OpCase("kron", lambda t, a, b: t.kron(a, b), [(3,), (2, 2)], id="mixed"),
    OpCase("trace", lambda t, a: t.trace(a), [(3, 4)]),
    OpCase("diag", lambda t, a: t.diag(a), [(3,)]),
    OpCase("diag", lambda t, a: t.diag(a, 1), [(3,)], id="vec_offset"),
    OpCase("diag", lambda t, a: t.diag(a, -1), [(3, 4)], id="mat_offset"),
    OpCase("diagonal", lambda t, a: t.diagonal(a, 1), [(3, 4)]),
    OpCase("diagonal", lambda t, a: a.diagonal(-1, dim1=-1, dim2=0), [(4, 2, 3)], id="dims"),
    OpCase("diagonal", lambda t, a: t.diagonal(a, 5), [(3, 4)], id="empty", double=False),
    OpCase("diag_embed", lambda t, a: t.diag_embed(a), [(2, 3)]),
    OpCase("diag_embed", lambda t, a: t.diag_embed(a, 1, 0, 2), [(2, 3)], id="dims"),
    OpCase("tril", lambda t, a: t.tril(a, -1), [(3, 4)]),
    OpCase("tril", lambda t, a: a.tril(1), [(2, 3, 3)], id="batched"),
    OpCase("triu", lambda t, a: t.triu(a), [(3, 4)]),
    OpCase("triu", lambda t, a: t.triu(a, diagonal=-1), [(2, 4, 3)], id="batched"),
    OpCase("cross", lambda t, a, b: t.cross(a, b, dim=1), [(2, 3), (2, 3)]),
    OpCase("cross", lambda t, a, b: t.cross(a, b), [(3, 2), (3, 2)], id="default_dim"),
    OpCase("linalg.cross", lambda t, a, b: t.linalg.cross(a, b), [(1, 3), (4, 3)]),
    OpCase("cdist", lambda t, a, b: t.cdist(a, b), [(4, 3), (5, 3)], torch_fn=_cdist_ref(2)),
    OpCase("cdist", lambda t, a, b: t.cdist(a, b, p=1), [(2, 3, 2), (2, 4, 2)], id="p1", torch_fn=_cdist_ref(1)),
    OpCase("cdist", lambda t, a, b: t.cdist(a, b, p=3), [(3, 2), (2, 2)], id="p3", torch_fn=_cdist_ref(3)),
    OpCase("cdist", lambda t, a, b: t.cdist(a, b, p=float("inf")), [(3, 2), (2, 2)], id="pinf",
           torch_fn=_cdist_ref(float("inf"))),
    OpCase("cdist", lambda t, a, b: t.cdist(a, b, p=0.5), [(3, 2), (2, 2)], id="p05", rtol=1e-2,
           torch_fn=_cdist_ref(0.5)),
]
globals().update(make_tests(CASES))


def t_(x):
    return reograd.tensor(np.asarray(x, dtype=np.float64))


def test_errors():
    a, b = t_(np.ones((2, 3))), t_(np.ones((4, 5)))
    with pytest.raises(RuntimeError, match=r"mm: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        reograd.mm(a, b)
    with pytest.raises(RuntimeError, match="bmm: batch1 must be a 3D tensor"):
        reograd.bmm(a, b)
    with pytest.raises(RuntimeError, match="matmul: both arguments"):
        reograd.matmul(t_(1.0), a)
    with pytest.raises(RuntimeError, match="dot: inconsistent tensor size"):
        reograd.dot(t_([1, 2]), t_([1, 2, 3]))
    with pytest.raises(RuntimeError, match="einsum"):
        reograd.einsum("ij,jk->ik", a, b)
    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical"):
        reograd.diagonal(a, 0, 1, 1)
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        reograd.tril(t_([1, 2]))
    with pytest.raises(RuntimeError, match="must have length 3"):
        reograd.linalg.cross(a.mT, a.mT)
    with pytest.raises(RuntimeError, match="cdist: X1 and X2 must have the same number of columns"):
        reograd.cdist(a, b)
    with pytest.raises(RuntimeError, match="addmm"):
        reograd.addmm(t_(np.ones((4, 4))), a, t_(np.ones((3, 2))))


def test_diagonal_is_writable_view():
    a = reograd.zeros(3, 3)
    d = a.diagonal()
    d.add_(1)  # in place through the view
    np.testing.assert_array_equal(a.numpy(), np.eye(3))
    assert d._version == a._version


def test_diag_copies_and_inplace_variants():
    a = t_(np.arange(9.0).reshape(3, 3))
    d = reograd.diag(a)
    d.add_(1)
    assert a.numpy()[0, 0] == 0
    m = t_(np.ones((3, 3)))
    m.tril_()
    np.testing.assert_array_equal(m.numpy(), np.tril(np.ones((3, 3))))
    c = t_(np.ones((2, 2)))
    c.addmm_(t_(np.eye(2)), t_(np.eye(2)), alpha=2)
    np.testing.assert_array_equal(c.numpy(), np.ones((2, 2)) + 2 * np.eye(2))


def test_einsum_matches_numpy_for_many_equations():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 3)), rng.standard_normal((3, 4))
    for eq, ops in [("bij,jk->bik", (a, b)), ("bii->b", (a,)), ("bij->", (a,)), ("...ii->...i", (a,)),
                    ("bij,bij->b", (a, a)), ("ij,ij->ij", (b, b))]:
        got = reograd.einsum(eq, *[t_(o) for o in ops]).numpy()
        np.testing.assert_allclose(got, np.einsum(eq, *ops), rtol=1e-12)


def test_einsum_double_backward_diag():
    x = reograd.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    y = (reograd.einsum("ii->i", x) ** 2).sum()
    (g,) = reograd.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), np.diag(2 * np.diag(x.detach().numpy())))
    (gg,) = reograd.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 2 * np.eye(3))


def test_float32_products_stay_float32():
    a = reograd.ones(2, 3)
    assert (a @ a.mT).dtype is reograd.float32
    assert reograd.einsum("ij,kj->ik", a, a).dtype is reograd.float32


@pytest.mark.parity
@pytest.mark.parametrize("p", [0.0, 0.5, 1.0, 2.0, 3.0, float("inf")])
def test_cdist_forward_matches_torch(p):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 30, 3)), rng.standard_normal((2, 27, 3))
    b[0, 0] = a[0, 0]  # a zero distance: gradient 0, as torch
    ra, rb = reograd.tensor(a, requires_grad=True), reograd.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    r, t = reograd.cdist(ra, rb, p), torch.cdist(ta, tb, p)
    np.testing.assert_allclose(r.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-8)
    if p > 0:
        r.sum().backward()
        t.sum().backward()
        np.testing.assert_allclose(ra.grad.numpy(), ta.grad.numpy(), rtol=1e-6, atol=1e-8)
