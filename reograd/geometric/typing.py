"""The type aliases PyTorch Geometric code imports from ``torch_geometric.typing`` (annotations only)."""
from __future__ import annotations

from typing import Optional, Tuple, Union

from ..autograd.tensor import Tensor

__all__ = ["Adj", "OptTensor", "PairTensor", "OptPairTensor", "PairOptTensor", "Size", "NoneType", "SparseTensor"]

NoneType = type(None)


class SparseTensor:
    """Stands in for ``torch_sparse.SparseTensor`` in annotations; reograd's layers take ``edge_index`` tensors."""


Adj = Union[Tensor, SparseTensor]
OptTensor = Optional[Tensor]
PairTensor = Tuple[Tensor, Tensor]
OptPairTensor = Tuple[Tensor, Optional[Tensor]]
PairOptTensor = Tuple[Optional[Tensor], Optional[Tensor]]
Size = Optional[Tuple[int, int]]
