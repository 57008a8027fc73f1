"""``summary(model, input_size)``: a torchinfo/torchsummary-like table of any Module.

It runs one forward pass (eval mode, no grad) with a forward hook on every layer and records, per
call, the layer's name and type, its output shape, its parameter count and the bytes of its output
(the activation memory the notes' VGG table counts: 224*224*64 floats for VGG's first conv). A
layer is a module without children, or a module holding parameters of its own. The totals: all and
trainable parameters (each shared parameter once), the forward activation memory (sum of the
layers' outputs), the input and the parameters' memory. ``summary`` prints the table and returns a
``ModelSummary`` with every number.

    >>> from reograd.vision.models import vgg16, summary
    >>> s = summary(vgg16(), (3, 224, 224))          # prints the table
    >>> s.total_params, s.activation_bytes
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ... import backend
from ...autograd.grad_mode import no_grad
from ...autograd.tensor import Tensor

__all__ = ["summary", "ModelSummary", "LayerSummary"]


@dataclass
class LayerSummary:
    """One row: ``name`` (dotted path in the model), ``type`` (class name), ``output_shape`` (a tuple, or a list of
    tuples for several outputs; batch dimension as run), ``num_params`` (its own parameters; 0 on a repeated call),
    ``trainable_params``, ``output_numel`` (elements per sample) and ``output_bytes`` (bytes per sample),
    ``depth`` (nesting level), ``repeated`` (a second call of the same module)."""

    name: str
    type: str
    output_shape: object
    num_params: int
    trainable_params: int
    output_numel: int
    output_bytes: int
    depth: int = 0
    repeated: bool = False


@dataclass
class ModelSummary:
    """The numbers of a ``summary``: ``layers`` (LayerSummary rows in call order), ``total_params``,
    ``trainable_params``, ``non_trainable_params``, ``input_bytes``, ``activation_bytes`` (the forward outputs of
    all layers), ``params_bytes``, ``total_bytes`` (the three memories summed); all memories for ``batch_size``
    samples (1 when ``batch_size=-1``)."""

    layers: list = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    input_bytes: int = 0
    activation_bytes: int = 0
    params_bytes: int = 0
    batch_size: int = -1
    model_name: str = ""

    @property
    def non_trainable_params(self):
        return self.total_params - self.trainable_params

    @property
    def total_bytes(self):
        return self.input_bytes + self.activation_bytes + self.params_bytes

    @property
    def activation_numel(self):
        return sum(r.output_numel for r in self.layers) * max(self.batch_size, 1)

    def __getitem__(self, name):
        """The first row of the layer with this dotted name."""
        for r in self.layers:
            if r.name == name:
                return r
        raise KeyError(f"summary: no layer named {name!r}")

    def __str__(self):
        b = "-1" if self.batch_size == -1 else str(self.batch_size)

        def shape_str(s):
            if isinstance(s, list):
                return ", ".join(shape_str(x) for x in s)
            return "[" + ", ".join([b] + [str(d) for d in s[1:]]) + "]" if len(s) else "[]"

        rows = []
        for r in self.layers:
            label = f"{r.name or '(model)'} ({r.type})"
            params = "(recursive)" if r.repeated else f"{r.num_params:,}"
            rows.append((label, shape_str(r.output_shape), params, _fmt_bytes(r.output_bytes * max(self.batch_size, 1))))
        head = ("Layer (type)", "Output Shape", "Param #", "Activations")
        widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(head)]
        line = "=" * (sum(widths) + 6)
        fmt = lambda row: f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]:>{widths[3]}}"  # noqa: E731
        out = [line, fmt(head), line] + [fmt(r) for r in rows] + [line]
        out += [f"Total params: {self.total_params:,}", f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.non_trainable_params:,}", "-" * len(line),
                f"Input size: {_fmt_bytes(self.input_bytes)}",
                f"Forward activations: {self.activation_numel:,} values, {_fmt_bytes(self.activation_bytes)}",
                f"Params size: {_fmt_bytes(self.params_bytes)}",
                f"Estimated total size: {_fmt_bytes(self.total_bytes)}", line]
        return "\n".join(out)

    __repr__ = __str__


def _fmt_bytes(n):
    for unit, div in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= div:
            return f"{n / div:.2f} {unit}"
    return f"{n} B"


def _tensors(out):
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _tensors(o)]
    if isinstance(out, dict):
        return [t for o in out.values() for t in _tensors(o)]
    return []


def summary(model, input_size, dtypes=None, batch_size=-1, device=None, verbose=True):
    """Run one forward pass of ``model`` on zeros of ``input_size`` and tabulate its layers (see the module doc).

    Args:
        model: any ``nn.Module``.
        input_size: one input's shape without the batch dimension, e.g. ``(3, 224, 224)``, or a list of such
            shapes for a model taking several inputs.
        dtypes: one dtype per input (default: the default float dtype).
        batch_size: the batch shown in the shapes and used for the memory numbers (-1: one sample, shown as -1).
        device: where to create the inputs (default: the device of the model's first parameter, or CPU).
        verbose: print the table.

    Returns:
        a ``ModelSummary`` (its ``str`` is the table).
    """
    from ... import zeros

    if isinstance(input_size, tuple) and all(isinstance(d, int) for d in input_size) or \
            (isinstance(input_size, list) and all(isinstance(d, int) for d in input_size)):
        sizes = [tuple(input_size)]
    else:
        sizes = [tuple(s) for s in input_size]
    if dtypes is None:
        dtypes = [backend.get_default_dtype()] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"summary: {len(sizes)} input sizes but {len(dtypes)} dtypes")
    if device is None:
        p = next(iter(model.parameters()), None)
        device = p.device if p is not None else "cpu"
    n = 1 if batch_size == -1 else int(batch_size)
    if n < 1:
        raise ValueError(f"summary: batch_size must be -1 or positive, got {batch_size}")
    inputs = [zeros((n,) + s, dtype=dt, device=device) for s, dt in zip(sizes, dtypes)]

    result = ModelSummary(batch_size=batch_size, model_name=type(model).__name__)
    result.input_bytes = sum(x.numel() * x.element_size() for x in inputs)
    seen = set()
    handles = []

    def make_hook(name, depth):
        def hook(module, inp, out):
            ts = _tensors(out)
            numel = sum(t.numel() for t in ts)
            nbytes = sum(t.numel() * t.element_size() for t in ts)
            shapes = [tuple(t.shape) for t in ts]
            shape = shapes[0] if len(shapes) == 1 else shapes
            repeated = id(module) in seen
            seen.add(id(module))
            own = [] if repeated else list(module.parameters(recurse=False))
            result.layers.append(LayerSummary(
                name=name, type=type(module).__name__, output_shape=shape,
                num_params=sum(p.numel() for p in own),
                trainable_params=sum(p.numel() for p in own if p.requires_grad),
                output_numel=numel // n, output_bytes=nbytes // n, depth=depth, repeated=repeated))
        return hook

    for name, m in model.named_modules():
        has_children = any(True for _ in m.children())
        has_own = any(True for _ in m.parameters(recurse=False))
        if not has_children or has_own:
            depth = name.count(".") + 1 if name else 0
            handles.append(m.register_forward_hook(make_hook(name, depth)))
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)

    params = {id(p): p for p in model.parameters()}.values()
    result.total_params = sum(p.numel() for p in params)
    result.trainable_params = sum(p.numel() for p in params if p.requires_grad)
    result.params_bytes = sum(p.numel() * p.element_size() for p in params)
    result.activation_bytes = sum(r.output_bytes for r in result.layers) * n
    if verbose:
        print(result)
    return result
