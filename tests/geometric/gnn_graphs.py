"""Shared by the graph tests: random graphs with the awkward cases (isolated nodes, self-loops, multi-edges,
batches of graphs of different sizes), and moving tensors and weights between reograd and PyTorch."""
import numpy as np

import reograd


def random_edges(rng, num_nodes, num_edges, isolated=2, loops=2, duplicates=2):
    """(2, E) int64: random edges among the first num_nodes - isolated nodes, plus some loops and repeated edges."""
    live = max(num_nodes - isolated, 1)
    src = rng.integers(0, live, num_edges)
    dst = rng.integers(0, live, num_edges)
    src[:loops] = dst[:loops]
    if num_edges > loops + duplicates:
        src[-duplicates:], dst[-duplicates:] = src[loops:loops + duplicates], dst[loops:loops + duplicates]
    return np.stack([src, dst]).astype(np.int64)


def random_batch_graph(rng, sizes=(5, 1, 8, 4), feat=3, edge_dim=None, dtype=np.float64):
    """One block-diagonal graph of several graphs: (x, edge_index, edge_attr or None, batch) as NumPy arrays."""
    xs, eis, eas, bs = [], [], [], []
    offset = 0
    for g, n in enumerate(sizes):
        e = 3 * n
        ei = random_edges(rng, n, e, isolated=1 if n > 2 else 0, loops=1, duplicates=1) + offset
        xs.append(rng.standard_normal((n, feat)))
        eis.append(ei)
        if edge_dim is not None:
            eas.append(rng.standard_normal((e, edge_dim)))
        bs.append(np.full(n, g))
        offset += n
    x = np.concatenate(xs).astype(dtype)
    ea = np.concatenate(eas).astype(dtype) if edge_dim is not None else None
    return x, np.concatenate(eis, axis=1), ea, np.concatenate(bs).astype(np.int64)


def ours(a, grad=False):
    """A reograd tensor of the array (requiring grad if asked)."""
    t = reograd.tensor(a)
    return t.requires_grad_() if grad else t


def theirs(torch, a, grad=False):
    """A torch tensor of the array (requiring grad if asked)."""
    t = torch.tensor(a)
    return t.requires_grad_() if grad else t


def copy_weights(torch, src_module, dst_module):
    """Load reograd ``src_module``'s state into torch ``dst_module`` (strict: the keys must agree)."""
    state = {k: torch.tensor(v.detach().numpy()) for k, v in src_module.state_dict().items()}
    dst_module.load_state_dict(state, strict=True)


def np_of(t):
    """A tensor (reograd or torch) as a NumPy array."""
    return t.detach().numpy()
