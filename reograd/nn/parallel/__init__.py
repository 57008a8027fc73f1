"""``reograd.nn.parallel``: ``DistributedDataParallel`` (data parallelism across processes, over MPI)
and ``DataParallel`` (a single-device pass-through), as ``torch.nn.parallel``."""
from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel", "DataParallel"]
