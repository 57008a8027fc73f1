r"""Weight penalties and the max-norm constraint (the notes' regularizers).

Penalties are differentiable tensors to add to the loss::

    loss = F.cross_entropy(model(x), y) + 1e-4 / 2 * l2_penalty(model) + 1e-5 * l1_penalty(model)

- L2 (weight decay): :math:`\tilde J(w) = J(w) + \frac{\alpha}{2}\|w\|_2^2`, gradient
  :math:`\nabla J + \alpha w`: pass ``alpha/2 * l2_penalty(model)`` (same as SGD's ``weight_decay=alpha``).
- L1 (sparsity): :math:`\tilde J(w) = J(w) + \alpha\|w\|_1`, gradient :math:`\nabla J + \alpha\,\mathrm{sign}(w)`.
- Max-norm (Srivastava et al. 2014, with dropout): after each optimizer step, every unit's vector
  of incoming weights :math:`w_i` (row ``i`` of a ``Linear`` weight, filter ``i`` of a conv) is
  projected back onto the ball :math:`\|w_i\|_2 \le c`: :math:`w_i \leftarrow w_i \min(1, c/\|w_i\|_2)`.

By default the penalties and the constraint apply to *weights* only, not to biases or
normalization parameters (parameters with fewer than 2 dimensions), as in the notes.
"""
from __future__ import annotations

__all__ = ["l1_penalty", "l2_penalty", "elastic_net_penalty", "max_norm_"]


def _params(model, include_bias):
    """The tensors a penalty applies to: a Module's weights (and biases if asked), or given tensors."""
    if hasattr(model, "named_parameters"):
        ps = [p for _, p in model.named_parameters()]
    elif hasattr(model, "shape"):  # one tensor
        return [model]
    else:
        ps = list(model)
    if not include_bias:
        ps = [p for p in ps if p.dim() >= 2]
    return ps


def _zero(model):
    import reograd

    return reograd.tensor(0.0)


def l1_penalty(model, include_bias=False):
    r"""The L1 norm of the weights, :math:`\sum_W \sum_{ij} |W_{ij}|` (a differentiable 0-d tensor).

    Args:
        model: a Module (its parameters), a tensor, or an iterable of tensors.
        include_bias: also count parameters with fewer than 2 dims (biases, norm scales).
    Multiply by :math:`\alpha` and add to the loss for :math:`J + \alpha\|w\|_1`.
    """
    ps = _params(model, include_bias)
    if not ps:
        return _zero(model)
    total = ps[0].abs().sum()
    for p in ps[1:]:
        total = total + p.abs().sum()
    return total


def l2_penalty(model, include_bias=False):
    r"""The squared L2 norm of the weights, :math:`\sum_W \sum_{ij} W_{ij}^2` (a differentiable 0-d tensor).

    Args as :func:`l1_penalty`. Add ``alpha / 2 * l2_penalty(model)`` to the loss for the notes'
    weight decay :math:`J + \frac{\alpha}{2}\|w\|^2` (gradient :math:`\nabla J + \alpha w`).
    """
    ps = _params(model, include_bias)
    if not ps:
        return _zero(model)
    total = (ps[0] * ps[0]).sum()
    for p in ps[1:]:
        total = total + (p * p).sum()
    return total


def elastic_net_penalty(model, l1_ratio=0.5, include_bias=False):
    r"""Elastic net :math:`\rho\|w\|_1 + \frac{1-\rho}{2}\|w\|_2^2` with :math:`\rho` = ``l1_ratio``."""
    if not 0.0 <= l1_ratio <= 1.0:
        raise ValueError(f"elastic_net_penalty: l1_ratio must be in [0, 1], got {l1_ratio}")
    return l1_ratio * l1_penalty(model, include_bias) + (1.0 - l1_ratio) / 2 * l2_penalty(model, include_bias)


def max_norm_(model, max_norm, norm_type=2.0, eps=1e-7):
    r"""Max-norm constraint, in place: rescale each unit's incoming weight vector to norm at most ``c``.

    For every weight ``W`` (a parameter with >= 2 dims; or the given tensor(s)), each slice
    ``W[i]`` along dim 0 (row ``i`` of a ``Linear`` weight: the weights into unit ``i``; filter ``i``
    of a convolution) becomes :math:`W_i \min\big(1, \frac{c}{\|W_i\|_p + \epsilon}\big)`, as
    ``torch.renorm(W, p, 0, c)``. Call it after ``optimizer.step()``. Returns ``model``.

    Args:
        model: a Module, a tensor or an iterable of tensors.
        max_norm: the bound ``c`` (> 0).
        norm_type: ``p`` of the norm (default 2).
    """
    import reograd

    if not max_norm > 0:
        raise ValueError(f"max_norm_: max_norm must be > 0, got {max_norm}")
    with reograd.no_grad():
        for w in _params(model, include_bias=False):
            if w.dim() < 2:
                continue
            flat = w.detach().reshape(w.shape[0], -1)
            norms = flat.abs().pow(norm_type).sum(dim=1).pow(1.0 / norm_type)
            scale = (max_norm / (norms + eps)).clamp(max=1.0)
            w.mul_(scale.reshape((-1,) + (1,) * (w.dim() - 1)).to(w.dtype))
    return model
