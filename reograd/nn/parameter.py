"""(being written)"""
from ..autograd.tensor import Tensor


class Parameter(Tensor):
    pass


class Buffer(Tensor):
    pass


class UninitializedParameter(Parameter):
    pass
