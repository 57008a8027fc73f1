"""Every op the foundation promises has a case in an op test table (gradcheck + PyTorch parity).

The case tables live in tests/ops/test_*.py as ``CASES``; each case's ``name`` is the op's PyTorch name.
"""
import importlib
import pathlib

import pytest

REQUIRED = {
    "arithmetic": """add sub mul div floor_divide remainder fmod pow neg abs sign reciprocal square sqrt rsqrt exp
        exp2 expm1 log log2 log10 log1p sin cos tan asin acos atan atan2 sinh cosh tanh asinh acosh atanh sigmoid
        logit erf erfc erfinv floor ceil round trunc frac clamp clip maximum minimum fmax fmin where lerp hypot
        addcmul addcdiv nan_to_num""",
    "comparison": """eq ne lt le gt ge isclose logical_and logical_or logical_xor logical_not bitwise_and bitwise_or
        bitwise_xor bitwise_not isnan isinf isfinite""",
    "reduction": """sum mean nanmean prod max min amax amin argmax argmin var std var_mean std_mean logsumexp norm
        cumsum cumprod cummax cummin all any count_nonzero median mode topk sort argsort kthvalue""",
    "linalg": """matmul mm bmm mv dot vdot outer inner addmm baddbmm einsum tensordot kron trace diag diagonal
        diag_embed tril triu cdist cross linalg.norm linalg.vector_norm linalg.matrix_norm linalg.inv linalg.det
        linalg.slogdet linalg.solve linalg.cholesky linalg.qr linalg.svd linalg.eigh linalg.pinv""",
    "shape": """reshape view view_as flatten unflatten squeeze unsqueeze permute transpose swapaxes movedim t expand
        expand_as broadcast_to repeat repeat_interleave tile cat concatenate stack hstack vstack split chunk unbind
        flip fliplr flipud roll rot90 narrow unfold pad""",
    "index": """getitem_basic getitem_advanced getitem_mask setitem gather scatter scatter_add scatter_reduce
        index_select index_add index_copy index_fill masked_fill masked_select masked_scatter nonzero take
        take_along_dim one_hot bincount histc unique""",
    "api_gaps": """select as_strided slice_scatter select_scatter diagonal_scatter fill_diagonal_ narrow_copy sum_to_size
        diagflat diff quantile nanquantile cov corrcoef dist pdist renorm trapezoid trapz cumulative_trapezoid vander
        combinations cartesian_prod meshgrid block_diag float_power rsub frexp angle real adjoint""",
    "special": """lgamma digamma polygamma mvlgamma i0 special.i1 special.i0e special.i1e special.gammaln special.entr
        special.ndtr special.ndtri special.xlog1py special.multigammaln""",
}

HERE = pathlib.Path(__file__).parent


def _all_case_names():
    names = set()
    for path in sorted(HERE.glob("test_*.py")):
        if path.stem in ("test_coverage",):
            continue
        mod = importlib.import_module(path.stem)
        for c in getattr(mod, "CASES", []):
            names.add(c.name)
    return names


@pytest.mark.parametrize("group", sorted(REQUIRED))
def test_every_required_op_has_a_case(group, monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    names = _all_case_names()
    missing = [op for op in REQUIRED[group].split() if op not in names]
    assert not missing, f"{group}: ops without a gradcheck/parity case: {missing}"
