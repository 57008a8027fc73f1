"""User mistakes raise clear exceptions: the right type, and a message that names the op, what was given
(shapes / dtypes / values) and what was expected (DESIGN.md, "Errors are part of the API").

Each test is one promised "bad input". A message that is not clear yet is an ``xfail(strict=True)``
whose reason says what is missing: when the message is fixed the test passes and the marker must go.
"""
import os
import warnings

import pytest

import reograd as torch
import reograd.nn as nn
import reograd.nn.functional as F
from reograd.utils.data import DataLoader, TensorDataset


def _shape_named(msg, shape):
    """``shape`` appears in ``msg`` as a tuple "(4, 3)", a list "[4, 3]" or "torch.Size([4, 3])"."""
    dims = ", ".join(str(d) for d in shape)
    forms = [f"({dims})" if len(shape) != 1 else f"({dims},)", f"[{dims}]"]
    return any(f in msg for f in forms)


def _assert_names(msg, *words, shapes=()):
    for w in words:
        assert w.lower() in msg.lower(), f"message does not name {w!r}: {msg}"
    for s in shapes:
        assert _shape_named(msg, s), f"message does not name shape {s}: {msg}"


# ----------------------------------------------------------------------------- layers
def test_linear_wrong_input_width():
    layer = nn.Linear(5, 2)
    with pytest.raises(RuntimeError) as e:
        layer(torch.randn(4, 3))
    # "linear: input has 3 features but weight expects 5 (input shape (4, 3), weight shape (2, 5))"
    _assert_names(str(e.value), "linear", "3", "5", shapes=[(4, 3), (2, 5)])


@pytest.mark.parametrize("functional", [False, True], ids=["Conv2d", "F.conv2d"])
def test_conv2d_wrong_channel_count(functional):
    x = torch.randn(1, 2, 5, 5)
    with pytest.raises(RuntimeError) as e:
        if functional:
            F.conv2d(x, torch.randn(4, 3, 3, 3))
        else:
            nn.Conv2d(3, 4, 3)(x)
    # "conv2d: expected input with 3 channels (weight shape [4, 3, 3, 3]), got input of shape [1, 2, 5, 5]"
    _assert_names(str(e.value), "conv2d", "3 channels", shapes=[(1, 2, 5, 5), (4, 3, 3, 3)])


# ----------------------------------------------------------------------------- losses
def test_mse_loss_target_wrong_shape():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the "different size" broadcasting warning, as torch
        with pytest.raises(RuntimeError) as e:
            F.mse_loss(torch.randn(4, 3), torch.randn(4, 2))
    _assert_names(str(e.value), "mse_loss", "target", shapes=[(4, 3), (4, 2)])


def test_cross_entropy_target_wrong_shape():
    with pytest.raises(ValueError) as e:
        F.cross_entropy(torch.randn(4, 3), torch.tensor([0, 1, 2]))
    # "cross_entropy: expected target of shape (4,) for input of shape (4, 3) (class dimension 1), got ... (3,)"
    _assert_names(str(e.value), "cross_entropy", "target", shapes=[(4,), (4, 3), (3,)])


def test_nll_loss_target_wrong_shape():
    with pytest.raises(ValueError) as e:
        F.nll_loss(torch.randn(4, 3).log_softmax(1), torch.tensor([0, 1]))
    _assert_names(str(e.value), "nll_loss", "target", shapes=[(4,), (4, 3), (2,)])


def test_cross_entropy_float_targets_of_index_shape():
    with pytest.raises(RuntimeError) as e:
        F.cross_entropy(torch.randn(4, 3), torch.tensor([0.0, 1.0, 2.0, 1.0]))
    _assert_names(str(e.value), "cross_entropy", "float32", "int64", shapes=[(4,), (4, 3)])


def test_nll_loss_float_targets_of_index_shape():
    with pytest.raises(RuntimeError) as e:
        F.nll_loss(torch.randn(4, 3).log_softmax(1), torch.tensor([0.0, 1.0, 2.0, 0.0]))
    # "nll_loss: expected target of an integer dtype (class indices) or of input's floating dtype ..., got float32"
    _assert_names(str(e.value), "nll_loss", "integer", "float32")


@pytest.mark.parametrize("bad", [5, -2])
def test_cross_entropy_class_index_out_of_range(bad):
    with pytest.raises(IndexError) as e:
        F.cross_entropy(torch.randn(4, 3), torch.tensor([0, 1, bad, 1]))
    # "cross_entropy: target 5 is out of bounds for 3 classes"
    _assert_names(str(e.value), "cross_entropy", f"target {bad}", "3 classes")


def test_nll_loss_class_index_out_of_range():
    with pytest.raises(IndexError) as e:
        F.nll_loss(torch.randn(4, 3).log_softmax(1), torch.tensor([0, 1, 3, 1]))
    _assert_names(str(e.value), "nll_loss", "target 3", "3 classes")


# ----------------------------------------------------------------------------- data
def test_dataloader_over_empty_dataset():
    with pytest.raises(ValueError) as e:
        list(DataLoader(TensorDataset(torch.zeros(0, 2)), batch_size=2))
    # "DataLoader: the dataset is empty (len 0): TensorDataset has no samples; check the path, filter or split ..."
    _assert_names(str(e.value), "DataLoader", "empty", "len 0", "TensorDataset")


# ----------------------------------------------------------------------------- modules and state dicts
def test_assign_plain_tensor_to_registered_parameter():
    m = nn.Linear(2, 3)
    with pytest.raises(TypeError) as e:
        m.weight = torch.randn(3, 2)
    # "cannot assign 'reograd.FloatTensor' as parameter 'weight' (torch.nn.Parameter or None expected)"
    _assert_names(str(e.value), "'weight'", "FloatTensor", "Parameter or None expected")
    assert isinstance(m.weight, nn.Parameter)  # the registered parameter is kept


def test_load_state_dict_missing_key():
    m = nn.Linear(2, 3)
    sd = m.state_dict()
    del sd["bias"]
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    _assert_names(str(e.value), "Linear", "Missing key(s)", '"bias"')


def test_load_state_dict_unexpected_key():
    m = nn.Linear(2, 3)
    sd = m.state_dict()
    sd["extra"] = torch.zeros(1)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    _assert_names(str(e.value), "Linear", "Unexpected key(s)", '"extra"')


def test_load_state_dict_shape_mismatch():
    m = nn.Linear(2, 3)
    before = m.weight.detach().clone()
    sd = m.state_dict()
    sd["weight"] = torch.zeros(4, 2)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    # "size mismatch for weight: copying a param with shape [4, 2] from checkpoint, the shape in current model
    #  is [3, 2]."
    _assert_names(str(e.value), "size mismatch", "weight", shapes=[(4, 2), (3, 2)])
    assert torch.equal(m.weight.detach(), before)


# ----------------------------------------------------------------------------- tensor ops
def test_add_broadcast_mismatch():
    with pytest.raises(RuntimeError) as e:
        torch.randn(2, 3) + torch.randn(4, 3)
    # "add: the size of tensor a (2) must match the size of tensor b (4) at non-singleton dimension 0
    #  (shapes [2, 3] and [4, 3])"
    _assert_names(str(e.value), "add", "dimension 0", shapes=[(2, 3), (4, 3)])


@pytest.mark.parametrize("op", ["matmul", "mm", "@"])
def test_matmul_shape_mismatch(op):
    a, b = torch.randn(2, 3), torch.randn(4, 5)
    with pytest.raises(RuntimeError) as e:
        a @ b if op == "@" else getattr(torch, op)(a, b)
    # "matmul: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5): input has 3 columns, other has 4 rows"
    _assert_names(str(e.value), "matmul" if op == "@" else op, "2x3", "4x5")


@pytest.mark.parametrize("index, dim, size, bad", [((0, 5), 1, 3, 5), ((7,), 0, 2, 7), ((0, -4), 1, 3, -4)])
def test_index_out_of_range(index, dim, size, bad):
    x = torch.randn(2, 3)
    with pytest.raises(IndexError) as e:
        x[index]
    # "index 5 is out of bounds for dimension 1 with size 3"
    _assert_names(str(e.value), f"index {bad}", f"dimension {dim}", f"size {size}")


@pytest.mark.parametrize("how", ["tensor", "requires_grad_"])
def test_requires_grad_on_int_tensor(how):
    with pytest.raises(RuntimeError) as e:
        if how == "tensor":
            torch.tensor([1, 2], requires_grad=True)
        else:
            torch.tensor([1, 2]).requires_grad_()
    # "only Tensors of floating point and complex dtype can require gradients (got ... int64, shape (2,))"
    _assert_names(str(e.value), "floating point", "int64", shapes=[(2,)])


# ----------------------------------------------------------------------------- autograd
def test_backward_through_freed_graph():
    x = torch.randn(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError) as e:
        y.backward()
    _assert_names(str(e.value), "second time", "freed", "retain_graph=True")


def test_backward_of_non_scalar_without_gradient():
    y = torch.randn(3, requires_grad=True) * 2
    with pytest.raises(RuntimeError) as e:
        y.backward()
    # "grad can be implicitly created only for scalar outputs (output 0 has shape (3,); pass gradient= ...)"
    _assert_names(str(e.value), "scalar outputs", "gradient", shapes=[(3,)])


def test_inplace_modification_of_saved_tensor():
    x = torch.randn(3, requires_grad=True)
    y = x.exp()  # exp saves its output
    y.mul_(2)
    with pytest.raises(RuntimeError) as e:
        y.sum().backward()
    _assert_names(str(e.value), "modified by an inplace operation", "ExpBackward0", "version 1",
                  "expected version 0", "float32", shapes=[(3,)])


def test_inplace_modification_names_the_tensor_s_creator():
    x = torch.randn(3, requires_grad=True)
    y = x * 1
    z = y.sin()  # sin saves its input y
    y.add_(1)
    with pytest.raises(RuntimeError) as e:
        z.sum().backward()
    msg = str(e.value)
    # as PyTorch: the tensor is named by its current creator (the in-place add), the failing backward too
    _assert_names(msg, "modified by an inplace operation", "output 0 of AddBackward0", "SinBackward0")


# ----------------------------------------------------------------------------- serialization
def test_load_corrupt_file(tmp_path):
    path = tmp_path / "corrupt.pt"
    path.write_bytes(b"this is not a checkpoint\x00\x01\x02" * 4)
    with pytest.raises(RuntimeError) as e:
        torch.load(path)
    # "reograd.load: <path> is not a reograd checkpoint or is corrupt: BadZipFile: File is not a zip file"
    _assert_names(str(e.value), "reograd.load", os.fspath(path), "corrupt")


def test_load_truncated_checkpoint(tmp_path):
    path = tmp_path / "truncated.pt"
    torch.save({"w": torch.randn(50)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError) as e:
        torch.load(path)
    _assert_names(str(e.value), "reograd.load", os.fspath(path), "corrupt")
