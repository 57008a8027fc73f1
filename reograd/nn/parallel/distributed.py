"""``DistributedDataParallel``: data-parallel training across processes, as ``torch.nn.parallel``.

Each rank holds a full replica of the model and feeds it its own share of every batch; DDP keeps the
replicas identical by starting them from rank 0's parameters and averaging the gradients during
``backward``, so each optimizer step applies the gradient of the whole batch:

    g = (1/n) sum_r g_r,    g_r the gradient of rank r's mean loss over its b/n samples

which for a mean loss over the full batch of b samples is exactly the single-process gradient.
"""
from __future__ import annotations

import contextlib

from ...autograd.grad_mode import is_grad_enabled
from ...distributed._checks import agree
from ...distributed.process_group import resolve_group
from ..modules.module import Module
from ._reducer import FIRST_BUCKET_BYTES, Reducer, broadcast_coalesced

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(Module):
    r"""Wrap ``module`` for data-parallel training over the ranks of ``process_group``.

    At construction the ranks check that their parameters agree in number, shapes and dtypes, and
    rank 0's parameters and buffers are copied to every rank. In training, each forward (with grad
    mode on) arms the gradient reducer; backward then all-reduces the gradients in buckets of
    ``bucket_cap_mb`` MiB, each launched asynchronously as soon as it is full, and returns once the
    averaged gradients ``g = (1/n) \sum_r g_r`` are in every parameter's ``.grad``.

    Args:
        module: the model (its parameters that require grad are synchronised).
        device_ids, output_device, dim: accepted for PyTorch compatibility (one device per process).
        broadcast_buffers: copy rank 0's buffers (e.g. BatchNorm running statistics) to every rank at
            the start of each forward. Default: True.
        init_sync: broadcast rank 0's parameters and buffers at construction. Default: True.
        process_group: the group to average over (default: the default group).
        bucket_cap_mb: bucket size in MiB (default 25, and then the first bucket is 1 MiB).
        find_unused_parameters: walk the output's autograd graph after each forward to find the
            parameters it does not use, so that backward need not wait for their gradients.
        gradient_as_bucket_view: make each ``.grad`` a view into its bucket (saves a copy and memory).
        static_graph: accepted (the reducer handles any graph each iteration).

    Example::

        dist.init_process_group("mpi")
        model = DistributedDataParallel(Net())
        for x, y in loader:                 # a DataLoader with a DistributedSampler
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()   # gradients averaged across ranks here
            opt.step()

    Use ``no_sync()`` to accumulate gradients locally over several backward passes. ``state_dict()``
    keys start with ``module.`` as in PyTorch; save ``model.module.state_dict()`` for the plain
    model's keys (or strip them with ``nn.modules.utils.consume_prefix_in_state_dict_if_present``).
    In a job of one process DDP trains the module as is.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be a reograd.nn.Module, got {type(module).__name__}")
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        pg = resolve_group(process_group, "DistributedDataParallel")
        if pg is None:
            raise ValueError("DistributedDataParallel: this process is not a member of process_group")
        if bucket_cap_mb is not None and bucket_cap_mb <= 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got {bucket_cap_mb}")
        self.module = module
        self.process_group = pg
        self.device_ids = device_ids
        self.output_device = output_device
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers if broadcast_buffers is not None else True
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self._params = params
        agree(pg, "DistributedDataParallel",
              tuple((tuple(p.shape), str(p.dtype)) for p in params),
              f"{len(params)} parameters of {sum(p.numel() for p in params)} elements",
              "every rank must wrap the same model (same parameters, shapes and dtypes)", force=True)
        if init_sync:
            broadcast_coalesced(params + list(module.buffers()), pg)
        first = FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
        self.reducer = Reducer(params, pg, self.bucket_bytes_cap, first, find_unused_parameters,
                               gradient_as_bucket_view) if pg.size() > 1 else None

    def forward(self, *inputs, **kwargs):
        """Run the wrapped module (after syncing buffers from rank 0) and arm the gradient reducer."""
        reducer = self.reducer
        if reducer is not None and reducer.unfinished():
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. This "
                "error indicates that your module has parameters that were not used in producing loss. You can "
                "enable unused parameter detection by passing the keyword argument `find_unused_parameters=True` "
                "to `torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function "
                "outputs participate in calculating loss. (Unreduced parameters: "
                f"{self._unready_names()})")
        if reducer is not None and self.require_forward_param_sync and self.broadcast_buffers:
            buffers = list(self.module.buffers())
            if buffers:
                broadcast_coalesced(buffers, self.process_group)
        out = self.module(*inputs, **kwargs)
        if reducer is not None and is_grad_enabled() and self.require_backward_grad_sync:
            reducer.prepare_for_backward(out if self.find_unused_parameters else None)
        return out

    def _unready_names(self):
        names = {id(p): n for n, p in self.module.named_parameters()}
        missing = [names.get(id(p), f"#{i}") for i, p in enumerate(self._params) if not self.reducer.ready[i]]
        return ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")

    @contextlib.contextmanager
    def no_sync(self):
        """A context in which forward/backward passes accumulate gradients locally, without averaging;
        the first synchronised backward after it averages the accumulated sums.

        >>> with ddp.no_sync():
        ...     ddp(x1).sum().backward()      # local gradient only
        >>> ddp(x2).sum().backward()          # averages the gradients of x1 and x2
        """
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """As ``Module.load_state_dict`` (keys start with ``module.``), with a hint when the checkpoint
        holds the plain model's keys."""
        try:
            return super().load_state_dict(state_dict, strict, assign)
        except RuntimeError as e:
            keys = list(state_dict.keys())
            if keys and not any(k.startswith("module.") for k in keys):
                raise RuntimeError(f"{e}\n\tThe checkpoint holds the plain model's keys (no 'module.' prefix): "
                                   "load it with ddp.module.load_state_dict(state_dict)") from None
            raise

    def extra_repr(self):
        return f"world_size={self.process_group.size()}, bucket_cap_mb={self.bucket_bytes_cap / 2 ** 20:g}"

    def __del__(self):
        reducer = self.__dict__.get("reducer")
        if reducer is not None:
            reducer.remove_hooks()
