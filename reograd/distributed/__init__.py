"""``reograd.distributed``: ``torch.distributed``'s API over MPI (mpi4py).

    # train.py, launched with:  mpiexec -n 4 python train.py
    #                      or:  python -m reograd.distributed.run --nproc-per-node 4 train.py
    import reograd.distributed as dist
    dist.init_process_group("mpi")
    t = reograd.tensor([float(dist.get_rank())])
    dist.all_reduce(t)                       # every rank: 0 + 1 + 2 + 3

MPI (mpich + mpi4py: ``pip install 'reograd[distributed]'``) is an optional dependency, imported by
``init_process_group``, not by ``import reograd.distributed``. Collectives work in place on tensors
(zero copy on contiguous NumPy data); ``async_op=True`` returns a :class:`Work`. Data-parallel
training: ``reograd.nn.parallel.DistributedDataParallel``, ``reograd.nn.SyncBatchNorm``,
``reograd.utils.data.DistributedSampler``, ``Trainer(..., distributed=True)``.
"""
from .collectives import (all_gather, all_gather_into_tensor, all_reduce, all_to_all, all_to_all_single, barrier,
                          broadcast, gather, monitored_barrier, reduce, reduce_scatter, reduce_scatter_tensor,
                          scatter)
from .objects import (all_gather_object, broadcast_object_list, gather_object, recv_object_list,
                      scatter_object_list, send_object_list)
from .p2p import P2POp, batch_isend_irecv, irecv, isend, recv, send
from .process_group import (Backend, GroupMember, ProcessGroup, default_pg_timeout, destroy_process_group,
                            get_backend, get_global_rank, get_group_rank, get_node_local_rank,
                            get_process_group_ranks, get_rank, get_world_size, group, init_process_group,
                            is_available, is_gloo_available, is_initialized, is_mpi_available, is_nccl_available,
                            new_group)
from .reduce_op import ReduceOp, reduce_op
from .work import Work

__all__ = ["init_process_group", "destroy_process_group", "is_available", "is_initialized", "is_mpi_available",
           "is_gloo_available", "is_nccl_available", "get_rank", "get_world_size", "get_backend", "new_group",
           "get_global_rank", "get_group_rank", "get_process_group_ranks", "get_node_local_rank", "Backend",
           "ProcessGroup", "GroupMember", "group", "default_pg_timeout", "ReduceOp", "reduce_op", "Work",
           "all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor", "reduce_scatter",
           "reduce_scatter_tensor", "gather", "scatter", "all_to_all", "all_to_all_single", "barrier",
           "monitored_barrier", "send", "recv", "isend", "irecv", "P2POp", "batch_isend_irecv",
           "broadcast_object_list", "all_gather_object", "gather_object", "scatter_object_list",
           "send_object_list", "recv_object_list"]
