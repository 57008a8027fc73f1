"""The random number generator, as ``torch.Generator``, and the global one that ops draw from.

Every random op (``rand``, ``randn``, dropout, random fills, samplers, augmentations) draws from
``rng(generator)``: the NumPy generator of the given ``Generator``, or of ``default_generator``,
which ``manual_seed`` seeds.
"""
from __future__ import annotations

import json
import threading

import numpy as np

from ...autograd.tensor import Tensor
from ...backend import as_device

_pyint = int


class Generator:
    """A source of random numbers, like ``torch.Generator``: seedable, with a savable state.

    Wraps ``numpy.random.Generator`` (PCG64); sequences differ from PyTorch's, seeds are stable.
    """

    def __init__(self, device="cpu"):
        self.device = as_device(device)
        self._initial_seed = 67280421310721  # torch's default seed
        self.np = np.random.Generator(np.random.PCG64(self._initial_seed))

    def manual_seed(self, seed):
        seed = _pyint(seed)
        self._initial_seed = seed
        self.np = np.random.Generator(np.random.PCG64(seed & 0xFFFFFFFFFFFFFFFF))
        return self

    def seed(self):
        s = _pyint(np.random.SeedSequence().entropy) & 0xFFFFFFFFFFFFFFFF
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._initial_seed

    def get_state(self):
        """The state as a uint8 tensor (JSON of the bit generator's state), as torch gives a ByteTensor."""
        raw = json.dumps(self.np.bit_generator.state).encode()
        return Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, state):
        arr = np.asarray(state.numpy() if hasattr(state, "numpy") else state, dtype=np.uint8)
        try:
            st = json.loads(arr.tobytes().decode())
            self.np.bit_generator.state = st
        except (ValueError, TypeError, KeyError) as e:
            raise RuntimeError(f"set_state: not a reograd generator state ({e})") from None
        return self


default_generator = Generator()
_rng_lock = threading.Lock()


def rng(generator=None):
    """The NumPy generator to draw from: the given one, or the global default."""
    return (generator or default_generator).np


def manual_seed(seed):
    """Seed the global generator (also NumPy's legacy global RNG, used by some user code)."""
    default_generator.manual_seed(seed)
    return default_generator


def seed():
    """Seed the global generator from OS entropy (non-deterministic) and return the seed used."""
    return default_generator.seed()


def initial_seed():
    """The seed the global generator was last seeded with (by ``manual_seed`` or ``seed``), a Python int."""
    return default_generator.initial_seed()


def get_rng_state():
    """The global generator's state as a uint8 tensor; pass it to ``set_rng_state`` to replay the same draws.

    Example: ``s = torch.get_rng_state(); a = torch.rand(3); torch.set_rng_state(s)``; then ``torch.rand(3)``
    equals ``a``.
    """
    return default_generator.get_state()


def set_rng_state(state):
    """Restore the global generator's state from a uint8 tensor given by ``get_rng_state``."""
    default_generator.set_state(state)
