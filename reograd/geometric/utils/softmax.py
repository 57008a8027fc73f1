"""Softmax over the edges entering each node (PyG's ``utils.softmax``), for attention coefficients."""
from __future__ import annotations

from ...ops.creation.factories import arange
from ...ops.nn.segment import scatter_softmax
from .num_nodes import maybe_num_nodes

__all__ = ["softmax"]


def softmax(src, index=None, ptr=None, num_nodes=None, dim=0):
    r"""Sparse softmax: for each group of rows sharing an ``index`` value,
    :math:`\mathrm{out}_e = \exp(x_e) / \sum_{e' : \mathrm{index}_{e'} = \mathrm{index}_e} \exp(x_{e'})`.

    Args:
        src: the scores (E, ...), ``dim`` of size E.
        index: 1-D integer group of each row (e.g. ``edge_index[1]``: normalise over each node's incoming edges).
        ptr: alternatively, CSR boundaries (G + 1,) of groups of consecutive rows.
        num_nodes: the number of groups (default ``index.max() + 1``).
        dim: the dimension holding the E rows.
    """
    if index is None and ptr is None:
        raise NotImplementedError("softmax: requires 'index' (or 'ptr') to be specified")
    if index is None:
        count = ptr[1:] - ptr[:-1]
        index = arange(count.shape[0], device=ptr.device).repeat_interleave(count)
        num_nodes = count.shape[0]
    return scatter_softmax(src, index, maybe_num_nodes(index, num_nodes), dim)
