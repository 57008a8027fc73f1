"""``reograd.linalg``: norms, inverses, determinants, solvers and decompositions (as ``torch.linalg``).

This module is only the namespace: the ops live in ``reograd/ops/linalg`` (``products``,
``decompositions``, ``spectral``, ``norms``) and ``reograd/ops/shape/diagonals``.
"""
from __future__ import annotations

from .ops.linalg.decompositions import (LinAlgError, cholesky_ex, det, inv, inv_ex, solve,  # noqa: F401
                                        solve_triangular)
from .ops.linalg.decompositions import linalg_cholesky as cholesky  # noqa: F401
from .ops.linalg.decompositions import linalg_slogdet as slogdet  # noqa: F401
from .ops.linalg.norms import cond, matrix_norm, vector_norm  # noqa: F401
from .ops.linalg.norms import linalg_norm as norm  # noqa: F401
from .ops.linalg.products import matmul, multi_dot, tensordot, vecdot  # noqa: F401
from .ops.linalg.products import linalg_cross as cross  # noqa: F401
from .ops.linalg.spectral import eigh, eigvalsh, lstsq, matrix_rank, pinv, svdvals  # noqa: F401
from .ops.linalg.spectral import linalg_matrix_power as matrix_power  # noqa: F401
from .ops.linalg.spectral import linalg_qr as qr  # noqa: F401
from .ops.linalg.spectral import linalg_svd as svd  # noqa: F401
from .ops.shape.diagonals import linalg_diagonal as diagonal  # noqa: F401

__all__ = ["norm", "vector_norm", "matrix_norm", "inv", "inv_ex", "det", "slogdet", "solve", "solve_triangular",
           "cholesky", "cholesky_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv", "matrix_power",
           "matrix_rank", "lstsq", "multi_dot", "cross", "diagonal", "matmul", "vecdot", "LinAlgError", "cond"]
