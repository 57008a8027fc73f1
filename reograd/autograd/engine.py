"""Reverse mode: walk the backward graph from the outputs to the leaves, applying the chain rule.

    dL/dw = sum over consumers p of w:  dL/dw_p * dw_p/dw

The walk is iterative (no recursion limit). It first counts, for every node reachable from the
outputs, how many consumers will send it a gradient; a node runs once all of them have
(reverse topological order), with their contributions summed. Leaves accumulate into ``.grad``.
Unless ``retain_graph``, each node's saved tensors are freed right after it runs. A gradient a node
returns in the shape its input was broadcast to is summed back to the input's shape here (``SumTo``).
"""
from __future__ import annotations

import heapq

import numpy as np

from .. import backend
from .broadcast import broadcastable, sum_to_shape
from .function import NativeFunction
from .grad_mode import state as _state
from .graph import AccumulateGrad
from .saved import FREED
from .tensor import Tensor


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _sync_views(tensors):
    """Views whose base changed in place since their node was made: remake it before the walk (as
    reading ``grad_fn`` does)."""
    for t in tensors:
        if isinstance(t, Tensor) and t._base is not None and t._view_version != t._version_counter[0]:
            t._sync_view()


def _make_root_grads(outputs, grad_outputs, is_grads_batched=False):
    grads = []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if i < len(grad_outputs) else None
        if g is None:
            if out._requires_grad:
                if out._data.size != 1:
                    raise RuntimeError(
                        f"grad can be implicitly created only for scalar outputs (output {i} has shape "
                        f"{tuple(out.shape)}; pass gradient= of that shape)")
                g = Tensor._make(backend.get_array_module(out._data).ones_like(out._data))
        elif not isinstance(g, Tensor):
            g = Tensor._make(np.asarray(g, dtype=out._data.dtype))
        elif g._data.shape != out._data.shape and not is_grads_batched:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} and output[{i}] has "
                f"a shape of {tuple(out.shape)}.")
        grads.append(g)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None):
    """Accumulate the gradient of ``tensors`` w.r.t. graph leaves into their ``.grad``.

    ``grad_tensors``: the vectors v of the vector-Jacobian products v^T J (one per tensor; may be
    omitted for scalars). ``create_graph``: record the backward pass itself, for higher-order
    derivatives. ``inputs``: accumulate only into these tensors.
    """
    outputs = _as_tuple(tensors)
    for out in outputs:
        if out._base is not None:  # (a view: remade if stale, before its requires_grad is read)
            _sync_views(outputs)
            break
    if grad_tensors is None:
        grad_tensors = grad_variables
    grads = list(_as_tuple(grad_tensors)) if not isinstance(grad_tensors, Tensor) else [grad_tensors]
    for i, out in enumerate(outputs):
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    grads = _make_root_grads(outputs, grads)
    if retain_graph is None:
        retain_graph = create_graph
    ins = _as_tuple(inputs)
    if ins:
        _sync_views(ins)
    if inputs is not None and not ins:
        raise RuntimeError("backward: 'inputs' argument to backward() cannot be empty.")
    _run(outputs, grads, retain_graph, create_graph, ins, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` w.r.t. ``inputs``, returned (not accumulated into ``.grad``).

    >>> x = reograd.tensor(3.0, requires_grad=True)
    >>> (dy,) = reograd.autograd.grad(x ** 3, x, create_graph=True)   # 3x^2 = 27
    >>> reograd.autograd.grad(dy, x)                                  # 6x = 18
    """
    outs = _as_tuple(outputs)
    ins = _as_tuple(inputs)
    if not ins:
        raise RuntimeError("grad requires non-empty inputs.")
    _sync_views(outs)
    _sync_views(ins)
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: inputs[{i}] must be a Tensor, got {type(t).__name__}")
        if not t._requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (inputs[{i}], shape {tuple(t.shape)}) "
                               "does not require grad")
    if allow_unused is None:
        allow_unused = materialize_grads
    go = list(_as_tuple(grad_outputs)) if not isinstance(grad_outputs, Tensor) else [grad_outputs]
    keep = [i for i, o in enumerate(outs) if o._requires_grad]
    if not keep:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if is_grads_batched:
        return _batched_grad(outs, ins, go, retain_graph, create_graph, allow_unused, materialize_grads)
    grads = _make_root_grads(outs, go)
    outs = [outs[i] for i in keep]
    grads = [grads[i] for i in keep]
    if retain_graph is None:
        retain_graph = create_graph
    result = _run(outs, grads, retain_graph, create_graph, ins, accumulate=False)
    final = []
    for i, (t, g) in enumerate(zip(ins, result)):
        if g is None:
            if materialize_grads:
                g = Tensor._make(backend.get_array_module(t._data).zeros_like(t._data))
            elif not allow_unused:
                raise RuntimeError(f"One of the differentiated Tensors (inputs[{i}], shape {tuple(t.shape)}) "
                                   "appears to not have been used in the graph. Set allow_unused=True if "
                                   "this is the desired behavior.")
        final.append(g)
    return tuple(final)


def _batched_grad(outs, ins, go, retain_graph, create_graph, allow_unused, materialize_grads):
    """``is_grads_batched``: the first dim of each grad_output indexes independent vjps (a loop)."""
    n = go[0].shape[0]
    rows = []
    for k in range(n):
        rows.append(grad(outs, ins, [g[k] for g in go], retain_graph=True, create_graph=create_graph,
                         allow_unused=allow_unused, materialize_grads=materialize_grads))
    return tuple(None if rows[0][j] is None else _StackRows.apply(*[r[j] for r in rows]) for j in range(len(ins)))


class _StackRows(NativeFunction):
    """The batched gradients of ``is_grads_batched`` stacked along a new first dim;  backward: row k to input k"""

    node_name = "StackBackward0"
    linear = True

    @staticmethod
    def forward(ctx, *rows):
        return backend.get_array_module(rows[0]).stack(rows)

    @staticmethod
    def backward(ctx, g):
        return tuple(g[k] for k in range(g._data.shape[0]))


def _run(outputs, grads, retain_graph, create_graph, inputs, accumulate):
    """The graph walk. Returns the gradients captured for ``inputs`` (grad mode) or None."""
    # roots: edges of the outputs
    root_edges = [out._edge() for out in outputs]

    # which (node, nr) pairs to capture, for inputs
    capture = {}
    for i, t in enumerate(inputs):
        capture.setdefault(t._edge(), []).append(i)
    captured = [None] * len(inputs)

    # 1. dependencies: how many edges point at each node from within the graph
    deps = {}
    stack = list(dict.fromkeys(e[0] for e in root_edges))  # a node with several root outputs: once
    seen = set(stack)
    while stack:
        node = stack.pop()
        for e in node.next_functions:
            if e is not None:
                nxt = e[0]
                if nxt in seen:
                    deps[nxt] = deps.get(nxt, 0) + 1  # (a root may also be reached from another root)
                else:
                    deps[nxt] = 1
                    seen.add(nxt)
                    stack.append(nxt)

    # 2. with inputs given, run only the nodes on a path to one of them
    needed = None
    if inputs:
        needed = {e[0] for e in capture}
        for node in reversed(_topological(root_edges, deps)):
            if node not in needed:
                for e in node.next_functions:
                    if e is not None and e[0] in needed:
                        needed.add(node)
                        break

    # 3. seed the buffers with the output gradients
    buffers = {}
    for (node, nr), g in zip(root_edges, grads):
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node._n_outputs
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    ready = []
    for node in {e[0] for e in root_edges}:
        if deps.get(node, 0) == 0:
            heapq.heappush(ready, (-node._seq, id(node), node))

    # 4. run each node once all its consumers have sent their gradients (largest sequence number first)
    stolen = {id(g._data) for g in grads}
    prev_mode = _state.grad_enabled
    _state.grad_enabled = create_graph
    push, pop = heapq.heappush, heapq.heappop
    try:
        while ready:
            node = pop(ready)[2]
            buf = buffers.pop(node, None)
            if buf is None:
                buf = [None] * node._n_outputs
            if needed is not None and node not in needed:
                _release(node, retain_graph)
                for e in node.next_functions:
                    if e is not None:
                        _dec(e[0], deps, ready)
                continue
            is_leaf = type(node) is AccumulateGrad
            if not is_leaf and (node._tensor_hooks or node._retain):
                _tensor_hooks_and_retain(node, buf, create_graph)
            if capture:  # grad(inputs=...) and backward(inputs=...)
                for nr in range(len(buf)):
                    idxs = capture.get((node, nr))
                    if idxs is not None:
                        g = buf[nr]
                        if is_leaf:
                            g = _leaf_hooks(node.variable, g)
                        for i in idxs:
                            captured[i] = g
                        if not accumulate and is_leaf:
                            buf[nr] = None
            if is_leaf:
                g = buf[0]
                if accumulate and g is not None and (not inputs or (node, 0) in capture):
                    _accumulate(node.variable, g, create_graph, stolen)
                continue
            if not accumulate and not node.next_functions:
                continue
            gin = _call_backward(node, buf, create_graph)
            if not retain_graph and node._saved is not None:
                node._saved = FREED
            for e, g in zip(node.next_functions, gin):
                if e is None:
                    continue
                nxt, nr = e
                if g is not None:
                    b = buffers.get(nxt)
                    if b is None:
                        b = buffers[nxt] = [None] * nxt._n_outputs
                    b[nr] = g if b[nr] is None else b[nr] + g
                d = deps[nxt] - 1
                deps[nxt] = d
                if d == 0:
                    push(ready, (-nxt._seq, id(nxt), nxt))
    finally:
        _state.grad_enabled = prev_mode
    return captured


def _tensor_hooks_and_retain(node, buf, create_graph):
    """Hooks registered on the node's output tensors run first; then ``retain_grad`` stores the result."""
    th = node._tensor_hooks
    if th:
        for nr, hooks in th.items():
            if buf[nr] is not None:
                for h in list(hooks.values()):
                    r = h(buf[nr])
                    if r is not None:
                        buf[nr] = r
    ret = node._retain
    if ret:
        for nr, ref in ret.items():
            t = ref()
            if t is not None and buf[nr] is not None:
                g = buf[nr] if create_graph else Tensor._make(buf[nr]._data.copy())
                t._grad = g if t._grad is None else t._grad + g


def _topological(root_edges, deps):
    """Nodes in an order where every node comes before the nodes it sends gradients to."""
    left = dict(deps)
    queue = [n for n in {e[0] for e in root_edges} if left.get(n, 0) == 0]
    order = []
    while queue:
        node = queue.pop()
        order.append(node)
        for e in node.next_functions:
            if e is not None:
                left[e[0]] -= 1
                if left[e[0]] == 0:
                    queue.append(e[0])
    return order


def _dec(node, deps, ready):
    d = deps[node] - 1
    deps[node] = d
    if d == 0:
        heapq.heappush(ready, (-node._seq, id(node), node))


def _release(node, retain_graph):
    if not retain_graph and node._saved is not None:
        node._saved = FREED


def _call_backward(node, buf, create_graph):
    """Run one node's backward; check and adapt what it returns."""
    cls = type(node)
    pre = node._node_pre_hooks
    if pre:
        for h in list(pre.values()):
            r = h(tuple(buf))
            if r is not None:
                buf = list(r)
    if node._materialize_grads:
        for i, g in enumerate(buf):  # (not ``None in buf``: that would call Tensor.__eq__)
            if g is None:
                shape, dtype = node._out_meta[i]
                buf[i] = Tensor._make(np.zeros(shape, dtype=dtype))
    gin = cls.backward(node, *buf)
    if not isinstance(gin, tuple):
        gin = (gin,)
    n_in = len(node.next_functions)
    if len(gin) != n_in:
        if len(gin) > n_in and all(g is None for g in gin[n_in:]):
            gin = gin[:n_in]
        elif len(gin) < n_in and all(e is None for e in node.next_functions[len(gin):]):
            gin = gin + (None,) * (n_in - len(gin))  # trailing non-tensor arguments
        else:
            raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                               f"(expected {n_in}, got {len(gin)})")
    metas = node._input_meta
    fixed = []
    anomaly = _state.anomaly and _state.anomaly_check_nan
    for i, g in enumerate(gin):
        if g is None or metas[i] is None:
            fixed.append(None)
            continue
        if not isinstance(g, Tensor):
            g = Tensor._make(np.asarray(g))
        shape, dtype = metas[i]
        gd = g._data
        if gd.shape != shape:
            # a gradient of the shape the input was broadcast to in forward: sum it back (the engine owns
            # broadcast reduction, so no backward reduces by hand); any other shape is the op's mistake
            if not broadcastable(shape, gd.shape):
                raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} - got "
                                   f"{list(gd.shape)} but expected shape compatible with {list(shape)}")
            g = sum_to_shape(g, shape)
            gd = g._data
        if gd.dtype != dtype:
            g = g.to(backend._BY_NP[dtype])
        if anomaly:
            _check_nan(node, i, g)
        fixed.append(g)
    post = node._post_hooks
    if post:
        for h in list(post.values()):
            r = h(tuple(fixed), tuple(buf))
            if r is not None:
                fixed = list(r)
    return fixed


def _check_nan(node, i, g):
    arr = g._host()
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        from .anomaly import user_frames  # noqa: PLC0415

        stack = node.__dict__.get("_trace")
        trace = "".join(user_frames(stack)) if stack else "(forward trace not recorded: enable anomaly mode " \
            "before the forward pass)\n"
        raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.\n"
                           f"Traceback of forward call that caused the error:\n{trace}")


def _leaf_hooks(t, g):
    if t._hooks:
        for h in list(t._hooks.values()):
            r = h(g)
            if r is not None:
                g = r
    return g


def _accumulate(t, g, create_graph, stolen):
    """Add gradient ``g`` into leaf ``t``'s ``.grad``, stealing the array when nobody else holds it."""
    g = _leaf_hooks(t, g)
    if t._grad is None:
        if create_graph:
            t._grad = g
        else:
            arr = g._data
            if id(arr) in stolen or arr.base is not None or not arr.flags.writeable \
                    or not arr.flags.c_contiguous or arr.dtype != t._data.dtype:
                arr = arr.astype(t._data.dtype, copy=True)
            stolen.add(id(arr))
            t._grad = Tensor._make(arr)
    else:
        old = t._grad
        if create_graph or old._requires_grad or not old._data.flags.writeable:
            t._grad = old + g
        else:
            old._data += g._data
    post = t._post_accumulate_hooks
    if post:
        for h in list(post.values()):
            h(t)
