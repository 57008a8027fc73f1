"""Basic transforms (reograd.vision.transforms), with expected values from the formulas / torch."""
import numpy as np
import pytest

import reograd
import reograd.vision
from reograd.vision import transforms as T
from reograd.vision.transforms import functional as F


def test_to_tensor_uint8_gray_and_color():
    img = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    t = T.ToTensor()(img)
    assert t.shape == (1, 3, 4) and t.dtype == reograd.float32
    np.testing.assert_array_equal(t.numpy()[0], img.astype(np.float32) / np.float32(255))
    rgb = np.random.randint(0, 256, (5, 6, 3)).astype(np.uint8)
    t = F.to_tensor(rgb)
    assert t.shape == (3, 5, 6)
    np.testing.assert_array_equal(t.numpy(), rgb.transpose(2, 0, 1).astype(np.float32) / np.float32(255))
    assert t.numpy().flags.c_contiguous


def test_to_tensor_float_kept_and_errors():
    f = np.random.rand(4, 4, 2)
    t = T.ToTensor()(f)
    assert t.dtype == reograd.float64 and t.shape == (2, 4, 4)
    np.testing.assert_array_equal(t.numpy(), f.transpose(2, 0, 1))  # not scaled (as torchvision)
    with pytest.raises(TypeError, match="ndarray"):
        T.ToTensor()(reograd.zeros(3, 3))
    with pytest.raises(ValueError, match="2/3 dimensional"):
        T.ToTensor()(np.zeros((1, 2, 3, 4), np.uint8))
    p = T.PILToTensor()(np.full((2, 2), 7, np.uint8))
    assert p.dtype == reograd.uint8 and p.shape == (1, 2, 2) and p.numpy().max() == 7


def test_normalize_formula_and_grad():
    x = reograd.rand(3, 4, 5, requires_grad=True)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    y = T.Normalize(mean, std)(x)
    expected = (x.detach().numpy() - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[:, None, None]
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(1 / np.array(std, np.float32)[:, None, None], (3, 4, 5)))
    batch = reograd.rand(2, 1, 3, 3)
    np.testing.assert_allclose(F.normalize(batch, [0.5], [0.5]).numpy(), (batch.numpy() - 0.5) / 0.5, rtol=1e-6)
    z = reograd.ones(1, 2, 2)
    out = F.normalize(z, [1.0], [2.0], inplace=True)
    assert out is z and z.numpy().max() == 0


def test_normalize_errors():
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.5,), (0.0,))(reograd.rand(1, 2, 2))
    with pytest.raises(ValueError, match="mean has 3 values but the image has 1 channel"):
        T.Normalize((0.1, 0.2, 0.3), (1.0, 1.0, 1.0))(reograd.rand(1, 2, 2))
    with pytest.raises(TypeError, match="float tensor"):
        T.Normalize((0.5,), (0.5,))(reograd.zeros(1, 2, 2, dtype=reograd.uint8))
    with pytest.raises(ValueError, match="tensor image"):
        T.Normalize((0.5,), (0.5,))(reograd.rand(2, 2))
    with pytest.raises(TypeError, match="Tensor Image"):
        T.Normalize((0.5,), (0.5,))(np.zeros((1, 2, 2)))


def test_compose_lambda_convert():
    pipeline = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,)), T.Lambda(lambda t: t.reshape(-1))])
    out = pipeline(np.array([[0, 255]], np.uint8))
    np.testing.assert_allclose(out.numpy(), [-1.0, 1.0])
    assert "ToTensor()" in repr(pipeline) and "Normalize" in repr(pipeline)
    with pytest.raises(TypeError, match="callable"):
        T.Lambda(3)
    u = reograd.tensor([[[0, 128, 255]]], dtype=reograd.uint8)
    f = T.ConvertImageDtype(reograd.float32)(u)
    np.testing.assert_allclose(f.numpy(), [[[0.0, 128 / 255, 1.0]]], rtol=1e-6)
    back = F.convert_image_dtype(f, reograd.uint8)
    assert back.tolist() == [[[0, 128, 255]]]  # torchvision: x * (255 + 1 - 1e-3), truncated
    assert T.ToDtype(reograd.float64)(u).dtype == reograd.float64
    assert T.ToDtype(reograd.float32, scale=True)(u).numpy().max() == 1.0
