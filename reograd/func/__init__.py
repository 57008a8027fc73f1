"""Function transforms, as ``torch.func``: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian,
linearize, vmap and functional_call. See ``_transforms.py`` for how they nest."""
from ._transforms import (functional_call, grad, grad_and_value, hessian, jacfwd, jacrev, jvp, linearize,  # noqa: F401
                          vjp)
from ._vmap import vmap  # noqa: F401

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "linearize", "vmap",
           "functional_call"]
