"""``Aggregation``: the ⊕ of message passing as a module — reduce the rows of ``x`` that share an ``index``
(``torch_geometric.nn.aggr``)."""
from __future__ import annotations

from ....ops.creation.factories import arange, zeros
from ....ops.nn.segment import scatter
from ....nn.modules.module import Module

__all__ = ["Aggregation", "ptr_to_index"]


def ptr_to_index(ptr):
    """CSR boundaries (G + 1,) -> the group of every row (ptr[-1],)."""
    count = ptr[1:] - ptr[:-1]
    return arange(count.shape[0], device=ptr.device).repeat_interleave(count)


class Aggregation(Module):
    r"""Base of the aggregations: ``out[s] = ⊕_{e : index[e] = s} x[e]`` along ``dim``.

    Call as ``aggr(x, index, ptr=None, dim_size=None, dim=-2)``: ``index`` (E,) names each row's group
    (``ptr``, CSR boundaries, may be given instead); without either, all rows form one group. ``dim_size``
    (the number of groups) defaults to ``index.max() + 1``. Subclasses define ``forward`` with ``self.reduce``.
    """

    def __call__(self, x, index=None, ptr=None, dim_size=None, dim=-2, **kwargs):
        if dim >= x.ndim or dim < -x.ndim:
            raise ValueError(f"{type(self).__name__}: encountered invalid dimension '{dim}' of source tensor with "
                             f"{x.ndim} dimensions")
        if index is None and ptr is None:
            index = zeros(x.shape[dim], dtype="int64", device=x.device)
        if ptr is not None:
            if dim_size is None:
                dim_size = ptr.numel() - 1
            elif dim_size != ptr.numel() - 1:
                raise ValueError(f"{type(self).__name__}: encountered invalid 'dim_size' (got '{dim_size}' but "
                                 f"expected '{ptr.numel() - 1}')")
        if index is not None and dim_size is None:
            dim_size = int(index.max()) + 1 if index.numel() else 0
        return super().__call__(x, index=index, ptr=ptr, dim_size=dim_size, dim=dim, **kwargs)

    def reset_parameters(self):
        """Re-initialise the parameters (none for the plain reductions)."""

    def reduce(self, x, index=None, ptr=None, dim_size=None, dim=-2, reduce="sum"):
        """``scatter(x, index, dim, dim_size, reduce)`` (``ptr`` turned into an index when that is all there is)."""
        if index is None:
            if ptr is None:
                raise RuntimeError(f"{type(self).__name__}: aggregation requires 'index' to be specified")
            index = ptr_to_index(ptr)
        return scatter(x, index, dim, dim_size, reduce)

    def __repr__(self):
        return f"{type(self).__name__}()"
