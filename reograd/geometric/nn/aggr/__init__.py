"""Aggregations with PyTorch Geometric's names (``torch_geometric.nn.aggr``)."""
from .attention import AttentionalAggregation
from .base import Aggregation
from .basic import (MaxAggregation, MeanAggregation, MinAggregation, MulAggregation, StdAggregation, SumAggregation,
                    VarAggregation)
from .resolver import MultiAggregation, aggregation_resolver
from .sort import SortAggregation

__all__ = ["Aggregation", "MultiAggregation", "SumAggregation", "MeanAggregation", "MaxAggregation",
           "MinAggregation", "MulAggregation", "VarAggregation", "StdAggregation", "AttentionalAggregation",
           "SortAggregation", "aggregation_resolver"]
