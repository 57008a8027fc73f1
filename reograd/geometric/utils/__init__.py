"""Graph utilities with PyTorch Geometric's names (``torch_geometric.utils``): self-loops, degrees, edge order
and undirected graphs, per-node softmax and scatter, dense <-> sparse, subgraphs, networkx conversion."""
from ...ops.nn.segment import scatter
from .convert import from_networkx, to_networkx
from .degree import contains_isolated_nodes, degree
from .loop import add_remaining_self_loops, add_self_loops, contains_self_loops, remove_self_loops, segregate_self_loops
from .num_nodes import maybe_num_nodes
from .softmax import softmax
from .subgraph import index_to_mask, k_hop_subgraph, mask_to_index, select, subgraph
from .to_dense import cumsum, dense_to_sparse, to_dense_adj, to_dense_batch
from .undirected import coalesce, is_undirected, sort_edge_index, to_undirected

__all__ = ["scatter", "softmax", "degree", "contains_isolated_nodes", "contains_self_loops", "remove_self_loops",
           "segregate_self_loops", "add_self_loops", "add_remaining_self_loops", "maybe_num_nodes", "sort_edge_index",
           "coalesce", "is_undirected", "to_undirected", "to_dense_adj", "to_dense_batch", "dense_to_sparse", "cumsum",
           "subgraph", "k_hop_subgraph", "index_to_mask", "mask_to_index", "select", "to_networkx", "from_networkx"]
