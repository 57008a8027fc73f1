"""The ``weights=`` argument of the model constructors, as torchvision's.

- ``None`` or ``False``: random initialisation.
- a path to a local file holding the model's state dict: a torchvision ``.pth`` (``torch.save``), a
  reograd checkpoint or a ``.safetensors`` file. It is loaded with ``load_state_dict(strict=True)``;
  when the caller does not give ``num_classes``, the classifier's rows in the file give it.
- a torchvision weight name (``"IMAGENET1K_V1"``, ``"DEFAULT"``, ``"ResNet50_Weights.IMAGENET1K_V2"``, a
  torchvision ``Weights`` enum, ``True``, or the old ``pretrained=True``): these need a download, and
  reograd never touches the network, so the error says which file to fetch and how to pass it.
"""
from __future__ import annotations

import os
import struct

from ... import load
from ...autograd.tensor import Tensor
from ...safetensors import load_file

__all__ = ["build", "WEIGHT_URLS", "read_state_dict"]

_BASE = "https://download.pytorch.org/models/"
# torchvision's published weight files (name -> file under download.pytorch.org/models/); DEFAULT is the last.
WEIGHT_URLS = {
    "resnet18": {"IMAGENET1K_V1": "resnet18-f37072fd.pth"},
    "resnet34": {"IMAGENET1K_V1": "resnet34-b627a593.pth"},
    "resnet50": {"IMAGENET1K_V1": "resnet50-0676ba61.pth", "IMAGENET1K_V2": "resnet50-11ad3fa6.pth"},
    "resnet101": {"IMAGENET1K_V1": "resnet101-63fe2227.pth", "IMAGENET1K_V2": "resnet101-cd907fc2.pth"},
    "resnet152": {"IMAGENET1K_V1": "resnet152-394f9c45.pth", "IMAGENET1K_V2": "resnet152-f82ba261.pth"},
    "vgg11": {"IMAGENET1K_V1": "vgg11-8a719046.pth"},
    "vgg11_bn": {"IMAGENET1K_V1": "vgg11_bn-6002323d.pth"},
    "vgg13": {"IMAGENET1K_V1": "vgg13-19584684.pth"},
    "vgg13_bn": {"IMAGENET1K_V1": "vgg13_bn-abd245e5.pth"},
    "vgg16": {"IMAGENET1K_FEATURES": "vgg16_features-amdegroot-88682ab5.pth", "IMAGENET1K_V1": "vgg16-397923af.pth"},
    "vgg16_bn": {"IMAGENET1K_V1": "vgg16_bn-6c64b313.pth"},
    "vgg19": {"IMAGENET1K_V1": "vgg19-dcbb9e9d.pth"},
    "vgg19_bn": {"IMAGENET1K_V1": "vgg19_bn-c79401a0.pth"},
    "alexnet": {"IMAGENET1K_V1": "alexnet-owt-7be5be79.pth"},
    "mobilenet_v2": {"IMAGENET1K_V1": "mobilenet_v2-b0353104.pth", "IMAGENET1K_V2": "mobilenet_v2-7ebf99e0.pth"},
}


def _weight_name(arch, weights):
    """The torchvision weight name ``weights`` stands for (``None`` when it is not one)."""
    if weights is True:
        return "DEFAULT"
    name = getattr(weights, "name", None) if not isinstance(weights, (str, os.PathLike)) else None
    if name is None and isinstance(weights, str):
        name = weights.rsplit(".", 1)[-1] if weights.split(".", 1)[0].endswith("_Weights") else weights
    return name if isinstance(name, str) and name.replace("_", "").isalnum() and name.upper() == name else None


def _offline_error(arch, weights, name):
    table = WEIGHT_URLS[arch]
    file = list(table.values())[-1] if name == "DEFAULT" else table.get(name)
    if file is None:
        return ValueError(f"{arch}: unknown weights {weights!r}; torchvision's are {', '.join(table)} and DEFAULT "
                          "(or pass the path of a local weight file)")
    url = _BASE + file
    return RuntimeError(f"{arch}(weights={weights!r}): reograd does not download weights (it never uses the network). "
                        f"Download {url} yourself (e.g. `curl -LO {url}`) and pass the file's path: "
                        f"{arch}(weights='{file}')")


def read_state_dict(path, where="weights"):
    """The state dict in the file ``path`` (a PyTorch/reograd checkpoint or a safetensors file)."""
    with open(path, "rb") as f:
        head = f.read(9)
        size = os.fstat(f.fileno()).st_size
    is_safetensors = len(head) == 9 and head[8:9] == b"{" and struct.unpack("<Q", head[:8])[0] < size
    state = load_file(path) if is_safetensors else load(path, map_location="cpu")
    if not isinstance(state, dict) or not state or not all(isinstance(v, Tensor) for v in state.values()):
        keys = list(state)[:8] if isinstance(state, dict) else None
        raise TypeError(f"{where}: {path} holds {type(state).__name__}"
                        f"{' with keys ' + repr(keys) if keys is not None else ''}, not a state dict of tensors; "
                        "load it with reograd.load and pass the model's entry to load_state_dict")
    return state


def build(arch, make, weights, progress, kwargs, head, skip_init=None):
    """``make(**kwargs)``, with ``weights`` (see the module docstring) loaded into it.

    ``head``: the state-dict key of the classifier's weight (its rows give ``num_classes``); ``skip_init``:
    keyword arguments that skip the random initialisation when weights are loaded anyway.
    """
    pretrained = kwargs.pop("pretrained", None)  # torchvision's old spelling of weights="DEFAULT"
    kwargs.pop("progress", None)
    if pretrained and weights is None:
        weights = "DEFAULT"
    if weights is None or weights is False:
        return make(**kwargs)
    name = _weight_name(arch, weights)
    path = os.fspath(weights) if isinstance(weights, (str, os.PathLike)) else None
    if path is None or (name is not None and not os.path.exists(path)):
        if name is None:
            raise TypeError(f"{arch}: weights should be None, a file path or a torchvision weight name, "
                            f"got {type(weights).__name__}")
        raise _offline_error(arch, weights, name)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{arch}: weights file {path!r} not found")
    state = read_state_dict(path, arch)
    if "num_classes" not in kwargs and head in state and state[head].dim() == 2:
        kwargs["num_classes"] = int(state[head].shape[0])
    kwargs.update(skip_init or {})
    model = make(**kwargs)
    model.load_state_dict(state, strict=True)
    return model
