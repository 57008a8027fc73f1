"""Graph layers with PyTorch Geometric's names (``torch_geometric.nn``): ``MessagePassing`` and the common
convolutions, aggregations, global pooling, PyG's ``Linear``; and the set layers ``DeepSets`` and
``AttentionMILPool``."""
from . import aggr, conv, dense, inits, pool  # noqa: F401
from .aggr import (Aggregation, AttentionalAggregation, MaxAggregation, MeanAggregation, MinAggregation,
                   MulAggregation, MultiAggregation, SortAggregation, StdAggregation, SumAggregation, VarAggregation)
from .conv import (EdgeConv, GATConv, GATv2Conv, GCNConv, GINConv, GINEConv, GraphConv, MessagePassing, NNConv,
                   SAGEConv, TransformerConv)
from .dense import Linear
from .pool import global_add_pool, global_max_pool, global_mean_pool, global_sort_pool
from .sets import AttentionMILPool, DeepSets, minmax_scale

__all__ = ["MessagePassing", "GCNConv", "GraphConv", "SAGEConv", "GINConv", "GINEConv", "GATConv", "GATv2Conv",
           "EdgeConv", "NNConv", "TransformerConv", "Aggregation", "MultiAggregation", "SumAggregation",
           "MeanAggregation", "MaxAggregation", "MinAggregation", "MulAggregation", "VarAggregation",
           "StdAggregation", "AttentionalAggregation", "SortAggregation", "Linear", "global_add_pool",
           "global_mean_pool", "global_max_pool", "global_sort_pool", "DeepSets", "AttentionMILPool", "minmax_scale"]
