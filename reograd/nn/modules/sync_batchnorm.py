"""``SyncBatchNorm``: batch normalisation whose statistics cover the whole batch across all ranks."""
from __future__ import annotations

from ...autograd.grad_mode import no_grad
from ...distributed import process_group as _dist
from ...distributed.nn import functional as dist_fn
from ...ops.creation.factories import full
from ...ops.shape.joins import stack
from .normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


class SyncBatchNorm(_BatchNorm):
    r"""Batch normalisation over an input ``(N, C, *)`` whose mean and variance are those of the whole
    batch, gathered from every rank of ``process_group``:

    .. math:: y = \frac{x - \mathrm{E}[x]}{\sqrt{\mathrm{Var}[x] + \epsilon}} \gamma + \beta

    Each rank computes its count :math:`n_r`, mean :math:`\mu_r` and sum of squared deviations
    :math:`M_r` per channel; after one all-gather every rank combines them (Chan et al.'s parallel
    variance, no cancellation):

    .. math:: n = \sum_r n_r, \quad \mu = \frac{1}{n}\sum_r n_r \mu_r, \quad
              \mathrm{Var}[x] = \frac{1}{n}\sum_r \left(M_r + n_r (\mu_r - \mu)^2\right)

    The all-gather is differentiable (its backward a reduce-scatter), so the input gradient also
    covers the other ranks' samples, as in single-process BatchNorm on the full batch. The running
    estimates are updated with the global statistics (unbiased variance ``Var * n / (n - 1)``). In eval
    mode, or in a job of one process, it is ``BatchNorm``.

    Args:
        num_features: C. eps, momentum, affine, track_running_stats: as ``BatchNorm2d``.
        process_group: the ranks to synchronise over (default: all).

    Convert a model's BatchNorm layers with :meth:`convert_sync_batchnorm` before wrapping it in
    ``DistributedDataParallel``.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")
        if not (self.training and _dist.is_initialized() and _dist.get_world_size(self.process_group) > 1):
            return super().forward(input)
        if input.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm: expected input with {self.num_features} channels at dim 1, got input "
                             f"of shape {tuple(input.shape)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked)
        mean, var, count = self._global_stats(input)
        shape = (1, -1) + (1,) * (input.dim() - 2)
        y = (input - mean.reshape(shape)) * (var + self.eps).rsqrt().reshape(shape)
        if self.weight is not None:
            y = y * self.weight.reshape(shape)
        if self.bias is not None:
            y = y + self.bias.reshape(shape)
        if self.track_running_stats and self.running_mean is not None:
            with no_grad():
                self.running_mean.mul_(1 - factor).add_(mean.detach() * factor)
                self.running_var.mul_(1 - factor).add_(var.detach() * (factor * count / (count - 1)))
        return y

    def _global_stats(self, input):
        """The whole batch's per-channel mean and biased variance (differentiable), and its size."""
        C = input.shape[1]
        dims = [0] + list(range(2, input.dim()))
        n = input.numel() // C
        mean = input.sum(dims) / max(n, 1)  # (a rank with no samples contributes zeros, with weight 0)
        m2 = ((input - mean.reshape((1, -1) + (1,) * (input.dim() - 2))) ** 2).sum(dims)
        local = stack([full((C,), float(n), dtype=input.dtype, device=input.device), mean, m2])
        ranks = stack(dist_fn.all_gather(local, self.process_group))         # (world, 3, C)
        counts, means, m2s = ranks[:, 0], ranks[:, 1], ranks[:, 2]
        total = float(counts[:, 0].sum())
        if total <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got {int(total)} across "
                             f"the ranks (input size {list(input.shape)} here)")
        mu = (counts * means).sum(0) / total
        var = (m2s + counts * (means - mu) ** 2).sum(0) / total
        return mu, var, total

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every ``BatchNorm*d`` replaced by a ``SyncBatchNorm`` sharing its parameters
        and buffers (the module itself when it is one; its children are converted in place).

        >>> model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        >>> ddp = nn.parallel.DistributedDataParallel(model)
        """
        out = module
        if isinstance(module, _BatchNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats,
                      process_group, bias=module.bias is not None or not module.affine)
            if module.affine:
                out.weight = module.weight
                out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
            if hasattr(module, "qconfig"):
                out.qconfig = module.qconfig
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out

