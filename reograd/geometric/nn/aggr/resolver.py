"""Aggregation by name — 'sum' / 'add', 'mean', 'max', 'min', 'mul', 'var', 'std', a module, or a list of
these as a ``MultiAggregation`` (their outputs side by side)."""
from __future__ import annotations

from ....nn.modules.container import ModuleList
from ....ops.shape.joins import cat
from .base import Aggregation
from .basic import (MaxAggregation, MeanAggregation, MinAggregation, MulAggregation, StdAggregation, SumAggregation,
                    VarAggregation)

__all__ = ["aggregation_resolver", "MultiAggregation"]

_BY_NAME = {"sum": SumAggregation, "add": SumAggregation, "mean": MeanAggregation, "max": MaxAggregation,
            "min": MinAggregation, "mul": MulAggregation, "var": VarAggregation, "std": StdAggregation}


def aggregation_resolver(query, *args, **kwargs):
    """The aggregation module for ``query``: a name, an :class:`Aggregation` (returned as is), a class, a list of
    these (a :class:`MultiAggregation`), or None."""
    if query is None or isinstance(query, Aggregation):
        return query
    if isinstance(query, (list, tuple)):
        return MultiAggregation(list(query), *args, **kwargs)
    if isinstance(query, type) and issubclass(query, Aggregation):
        return query(*args, **kwargs)
    if isinstance(query, str):
        key = query.lower().replace("aggregation", "").replace("_", "")
        if key in _BY_NAME:
            return _BY_NAME[key](*args, **kwargs)
    raise ValueError(f"Could not resolve '{query}' among choices {sorted(_BY_NAME)} (or an Aggregation module)")


class MultiAggregation(Aggregation):
    """Several aggregations of the same rows, concatenated along the last dim (``mode='cat'``).

    Args:
        aggrs: aggregation names ('sum', 'mean', 'max', ...) or modules.
        aggrs_kwargs: one dict of constructor arguments per name.
        mode: only 'cat' (the outputs side by side).
    """

    def __init__(self, aggrs, aggrs_kwargs=None, mode="cat", mode_kwargs=None):
        super().__init__()
        if not isinstance(aggrs, (list, tuple)) or not aggrs:
            raise ValueError(f"MultiAggregation: 'aggrs' must be a non-empty list (got {aggrs!r})")
        if mode != "cat":
            raise ValueError(f"MultiAggregation: only mode='cat' is supported (got {mode!r})")
        kwargs = aggrs_kwargs or [{}] * len(aggrs)
        self.aggrs = ModuleList([aggregation_resolver(a, **kw) for a, kw in zip(aggrs, kwargs)])
        self.mode = mode

    def get_out_channels(self, in_channels):
        """The output width for ``in_channels`` inputs: in_channels × the number of aggregations."""
        return in_channels * len(self.aggrs)

    def forward(self, x, index=None, ptr=None, dim_size=None, dim=-2):
        return cat([a(x, index, ptr=ptr, dim_size=dim_size, dim=dim) for a in self.aggrs], dim=-1)

    def __repr__(self):
        inner = ",\n".join(f"  {a}" for a in self.aggrs)
        return f"{type(self).__name__}([\n{inner},\n], mode={self.mode})"
