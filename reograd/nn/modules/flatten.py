"""``Flatten`` and ``Unflatten``: reshape layers for ``Sequential`` models."""
from __future__ import annotations

from .module import Module

__all__ = ["Flatten", "Unflatten"]


def _flatten(x, start_dim, end_dim):
    shape = tuple(x.shape)
    n = max(len(shape), 1)
    s, e = start_dim % n, end_dim % n
    if len(shape) == 0:
        return x.reshape(1)
    if s > e:
        raise RuntimeError(f"flatten() has invalid args: start_dim ({start_dim}) cannot come after end_dim "
                           f"({end_dim}) for an input of shape {shape}")
    mid = 1
    for d in shape[s:e + 1]:
        mid *= d
    return x.reshape(*shape[:s], mid, *shape[e + 1:])


class Flatten(Module):
    """Flatten the dimensions ``start_dim..end_dim`` into one: ``(N, C, H, W) -> (N, C*H*W)`` by default.

    Args:
        start_dim: first dim to flatten. Default: 1 (keep the batch). end_dim: last. Default: -1.
    """

    __constants__ = ["start_dim", "end_dim"]

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        if hasattr(input, "flatten"):
            return input.flatten(self.start_dim, self.end_dim)
        return _flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dimension ``dim`` into ``unflattened_size``: ``Unflatten(1, (2, 5))`` maps ``(N, 10)`` to ``(N, 2, 5)``.

    Args:
        dim: the dimension to unflatten. unflattened_size: the new sizes (one may be -1).
    """

    __constants__ = ["dim", "unflattened_size"]

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if isinstance(dim, int):
            if not isinstance(unflattened_size, (tuple, list)) or not all(isinstance(i, int)
                                                                          for i in unflattened_size):
                raise TypeError("unflattened_size must be tuple of ints, but found type "
                                f"{type(unflattened_size).__name__}")
        elif isinstance(dim, str):
            raise TypeError("Unflatten with named dimensions is not supported by reograd")
        else:
            raise TypeError("invalid argument type for dim parameter")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        shape = tuple(input.shape)
        d = self.dim % max(len(shape), 1)
        sizes = list(self.unflattened_size)
        known = 1
        for s in sizes:
            if s != -1:
                known *= s
        if -1 in sizes:
            sizes[sizes.index(-1)] = shape[d] // known if known else 0
        total = 1
        for s in sizes:
            total *= s
        if total != shape[d]:
            raise RuntimeError(f"unflatten: Provided sizes {list(self.unflattened_size)} don't multiply up to the "
                               f"size of dim {self.dim} ({shape[d]}) in the input tensor of shape {shape}")
        return input.reshape(*shape[:d], *sizes, *shape[d + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
