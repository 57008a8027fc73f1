"""``reograd.distributed.nn``: collectives that autograd differentiates (``functional``), as
``torch.distributed.nn``."""
from .functional import all_gather, all_reduce, broadcast, reduce_scatter  # noqa: F401
