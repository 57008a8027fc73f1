"""State-dict helpers, as ``torch.nn.modules.utils``."""
from __future__ import annotations

__all__ = ["consume_prefix_in_state_dict_if_present"]


def consume_prefix_in_state_dict_if_present(state_dict, prefix):
    """Strip ``prefix`` from the keys of ``state_dict`` (and of its ``_metadata``) that start with it, in
    place: e.g. ``"module."`` from a checkpoint of a ``DistributedDataParallel``/``DataParallel`` model,
    so the plain model can load it.

    >>> sd = ddp.state_dict()                       # keys "module.fc.weight", ...
    >>> consume_prefix_in_state_dict_if_present(sd, "module.")
    >>> model.load_state_dict(sd)                   # keys "fc.weight", ...
    """
    for key in [k for k in state_dict if k.startswith(prefix)]:
        state_dict[key[len(prefix):]] = state_dict.pop(key)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        bare = prefix.rstrip(".")
        for key in list(metadata):
            # "" is the wrapper's own entry (kept); "module" and "module.x.y" are the wrapped model's
            if key and (key == bare or key.startswith(prefix)):
                metadata[key[len(prefix):]] = metadata.pop(key)
