"""Augmentation transforms: properties (involutions, sizes, identities, bounds, determinism)."""
import numpy as np
import pytest

import reograd
from reograd.autograd.tensor import Tensor
from reograd.vision import transforms as T


def _img(h=12, w=10, c=3, seed=0):
    return np.random.default_rng(seed).random((h, w, c)).astype(np.float32)


def test_flip_involution_and_layouts():
    img = _img()
    f = T.RandomHorizontalFlip(p=1.0)
    np.testing.assert_array_equal(f(img), img[:, ::-1])
    np.testing.assert_array_equal(f(f(img)), img)
    v = T.RandomVerticalFlip(p=1.0)
    np.testing.assert_array_equal(v(v(img)), img)
    np.testing.assert_array_equal(v(img[..., 0]), img[::-1, :, 0])      # H x W
    t = reograd.tensor(img.transpose(2, 0, 1))
    out = f(t)
    assert isinstance(out, Tensor)
    np.testing.assert_array_equal(out.numpy(), img.transpose(2, 0, 1)[..., ::-1])
    assert T.RandomHorizontalFlip(p=0.0)(img) is img


def test_random_crop_sizes_and_padding():
    img = _img(12, 10)
    out = T.RandomCrop((5, 7))(img)
    assert out.shape == (5, 7, 3)
    out = T.RandomCrop(12, padding=2)(img)              # 16 x 14 padded
    assert out.shape == (12, 12, 3)
    out = T.RandomCrop(20, pad_if_needed=True, fill=(1, 2, 3))(img)
    assert out.shape == (20, 20, 3)
    assert set(np.unique(out[..., 1])) >= {2.0}
    # full-size crop of a padded image with reflect mode == np.pad
    out = T.RandomCrop((16, 14), padding=2, padding_mode="reflect")(img)
    np.testing.assert_array_equal(out, np.pad(img, ((2, 2), (2, 2), (0, 0)), mode="reflect"))
    with pytest.raises(ValueError, match="larger than the input"):
        T.RandomCrop(20)(img)
    # the crop is a window of the image
    u = np.arange(100, dtype=np.float32).reshape(10, 10)
    c = T.RandomCrop(4)(u)
    i, j = divmod(int(c[0, 0]), 10)
    np.testing.assert_array_equal(c, u[i:i + 4, j:j + 4])


def test_random_resized_crop():
    img = _img(20, 16)
    out = T.RandomResizedCrop((8, 6), scale=(0.2, 0.5))(img)
    assert out.shape == (8, 6, 3)
    t = T.RandomResizedCrop(5)
    i, j, h, w = t.get_params(20, 16)
    assert 0 <= i <= 20 - h and 0 <= j <= 16 - w
    # full-area crop, same size: bilinear resize to the same size is the identity
    same = T.RandomResizedCrop((20, 16), scale=(1.0, 1.0), ratio=(0.8, 0.8))(img)
    np.testing.assert_allclose(same, img, atol=1e-6)
    # a constant image stays constant; uint8 stays uint8
    u8 = np.full((9, 9), 77, np.uint8)
    out = T.RandomResizedCrop(4)(u8)
    assert out.dtype == np.uint8 and (out == 77).all()


def test_rotation_zero_is_identity_and_90_is_rot90():
    img = _img(9, 9)
    np.testing.assert_array_equal(T.RandomRotation(0)(img), img)
    np.testing.assert_allclose(T.RandomRotation((90, 90))(img), np.rot90(img, 1, axes=(0, 1)), atol=1e-6)
    np.testing.assert_allclose(T.RandomRotation((90, 90), interpolation="bilinear")(img),
                               np.rot90(img, 1, axes=(0, 1)), atol=1e-5)
    np.testing.assert_allclose(T.RandomRotation((-90, -90))(img), np.rot90(img, -1, axes=(0, 1)), atol=1e-6)
    # corners rotated in by 45 degrees take the fill value
    out = T.RandomRotation((45, 45), fill=5.0)(np.zeros((9, 9), np.float32))
    assert out[0, 0] == 5.0 and out[4, 4] == 0.0


def test_affine_translation_and_identity():
    img = _img(8, 8, 1)[..., 0]
    t = T.RandomAffine(0, translate=(0.25, 0.0))
    angle, (tx, ty), s, sh = t.get_params(8, 8)
    assert abs(tx) <= 2 and ty == 0 and s == 1.0 and sh == (0.0, 0.0)
    ident = T.RandomAffine(0, scale=(1, 1), shear=0)(img)
    np.testing.assert_array_equal(ident, img)
    reograd.manual_seed(3)
    out = T.RandomAffine(0, translate=(0.25, 0.25))(img)
    reograd.manual_seed(3)
    _, (tx, ty), _, _ = T.RandomAffine(0, translate=(0.25, 0.25)).get_params(8, 8)
    expect = np.zeros_like(img)
    expect[max(ty, 0):8 + min(ty, 0), max(tx, 0):8 + min(tx, 0)] = img[max(-ty, 0):8 - max(ty, 0),
                                                                       max(-tx, 0):8 - max(tx, 0)]
    np.testing.assert_array_equal(out, expect)


def test_color_jitter():
    img = _img()
    np.testing.assert_array_equal(T.ColorJitter()(img), img)
    out = T.ColorJitter(brightness=(2.0, 2.0))(img)
    np.testing.assert_allclose(out, np.clip(img * 2, 0, 1), rtol=1e-6)
    out = T.ColorJitter(contrast=(0.0, 0.0))(img)           # all pixels -> the grey mean
    gray = (0.2989 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]).mean()
    np.testing.assert_allclose(out, np.full_like(img, gray), rtol=1e-5)
    out = T.ColorJitter(saturation=(0.0, 0.0))(img)         # greyscale
    np.testing.assert_allclose(out[..., 0], out[..., 1], atol=1e-6)
    np.testing.assert_allclose(T.ColorJitter(hue=(0.0, 0.0))(img), img, atol=1e-5)   # HSV round trip
    out = T.ColorJitter(hue=(0.5, 0.5))(np.array([[[1.0, 0.0, 0.0]]], np.float32))   # red -> cyan
    np.testing.assert_allclose(out[0, 0], [0, 1, 1], atol=1e-6)
    g = _img(c=1)[..., 0]
    out = T.ColorJitter(0.5, 0.5, 0.5, 0.2)(g)              # 1-channel: works
    assert out.shape == g.shape
    u8 = (img * 255).astype(np.uint8)
    assert T.ColorJitter(0.5, 0.5, 0.5, 0.1)(u8).dtype == np.uint8
    with pytest.raises(ValueError):
        T.ColorJitter(hue=0.7)


def test_gaussian_blur():
    img = _img(10, 10)
    out = T.GaussianBlur(5, sigma=1.0)(img)
    assert out.shape == img.shape
    c = np.full((7, 7), 0.3, np.float32)
    np.testing.assert_allclose(T.GaussianBlur(3)(c), c, atol=1e-6)      # constant stays constant
    delta = np.zeros((9, 9), np.float32)
    delta[4, 4] = 1
    out = T.GaussianBlur(5, sigma=1.0)(delta)
    np.testing.assert_allclose(out.sum(), 1.0, rtol=1e-5)
    k = np.exp(-0.5 * np.arange(-2, 3) ** 2)
    k /= k.sum()
    np.testing.assert_allclose(out[2:7, 2:7], np.outer(k, k), rtol=1e-5)
    pytest.importorskip("scipy")
    from scipy.ndimage import correlate
    np.testing.assert_allclose(T.GaussianBlur(5, sigma=1.0)(img[..., 0]),
                               correlate(img[..., 0].astype(np.float64), np.outer(k, k), mode="mirror"), atol=1e-5)
    with pytest.raises(ValueError, match="odd"):
        T.GaussianBlur(4)


def test_random_erasing_bounds():
    t = T.RandomErasing(p=1.0, scale=(0.1, 0.2), ratio=(0.5, 2.0), value=-1.0)
    H = W = 60
    for _ in range(30):
        img = reograd.ones(3, H, W)
        out = t(img).numpy()
        i, j, h, w = t.last_params
        frac = h * w / (H * W)
        assert 0.1 * 0.85 <= frac <= 0.2 * 1.15
        assert 0.5 * 0.8 <= h / w <= 2.0 * 1.25
        assert (out[:, i:i + h, j:j + w] == -1).all()
        assert (out == -1).sum() == 3 * h * w
    assert T.RandomErasing(p=0.0)(img) is img
    out = T.RandomErasing(p=1.0, value="random")(reograd.zeros(1, 20, 20))
    assert (out.numpy() != 0).any()


def test_gaussian_noise_and_elastic():
    img = np.full((30, 30), 0.5, np.float32)
    out = T.GaussianNoise(sigma=0.1)(img)
    assert abs(out.std() - 0.1) < 0.02 and out.min() >= 0 and out.max() <= 1
    with pytest.raises(ValueError, match="float"):
        T.GaussianNoise()(np.zeros((4, 4), np.uint8))
    np.testing.assert_allclose(T.ElasticTransform(alpha=0.0)(_img()), _img(), atol=1e-6)
    out = T.ElasticTransform(alpha=30.0, sigma=3.0)(_img(16, 16))
    assert out.shape == (16, 16, 3) and not np.allclose(out, _img(16, 16))


def test_mixup_targets_and_inputs():
    x = reograd.randn(8, 1, 4, 4)
    y = reograd.tensor([0, 1, 2, 3, 4, 0, 1, 2])
    xm, ym, lam = T.mixup(x, y, alpha=0.4, num_classes=5, return_lambda=True)
    assert tuple(ym.shape) == (8, 5) and ym.dtype == x.dtype
    np.testing.assert_allclose(ym.numpy().sum(1), 1.0, rtol=1e-6)
    # x_mix = lam x + (1 - lam) x[perm], with the same perm as the targets
    reograd.manual_seed(5)
    xm, ym, lam = T.mixup(x, y, alpha=1.0, num_classes=5, return_lambda=True)
    reograd.manual_seed(5)
    g = reograd.ops.generator.rng()
    lam2 = g.beta(1.0, 1.0)
    perm = g.permutation(8)
    assert lam == pytest.approx(lam2)
    np.testing.assert_allclose(xm.numpy(), lam * x.numpy() + (1 - lam) * x.numpy()[perm], rtol=1e-5, atol=1e-6)
    oh = np.eye(5)[y.numpy()]
    np.testing.assert_allclose(ym.numpy(), lam * oh + (1 - lam) * oh[perm], rtol=1e-5, atol=1e-6)
    xn, yn = T.mixup(x.numpy(), y.numpy(), 1.0, 5)                 # NumPy in, NumPy out
    assert isinstance(xn, np.ndarray) and np.allclose(yn.sum(1), 1)
    with pytest.raises(ValueError, match="num_classes"):
        T.mixup(x, y)


def test_cutmix():
    x = reograd.tensor(np.arange(4, dtype=np.float32).reshape(4, 1, 1, 1) * np.ones((1, 1, 16, 16), np.float32))
    y = reograd.tensor([0, 1, 2, 3])
    xm, ym, lam = T.cutmix(x, y, alpha=1.0, num_classes=4, return_lambda=True)
    np.testing.assert_allclose(ym.numpy().sum(1), 1.0, rtol=1e-6)
    # each image keeps a fraction lam of its own pixels (unless paired with itself)
    for k in range(4):
        own = (xm.numpy()[k] == k).mean()
        assert own == pytest.approx(lam) or own == 1.0
    a, b = T.CutMix(num_classes=4)(x, y), T.MixUp(num_classes=4)(x, y)
    assert tuple(a[1].shape) == tuple(b[1].shape) == (4, 4)


@pytest.mark.parametrize("make", [
    lambda g: T.RandomCrop(6, padding=1, generator=g), lambda g: T.RandomResizedCrop(5, generator=g),
    lambda g: T.RandomAffine(30, (0.2, 0.2), (0.8, 1.2), 10, generator=g),
    lambda g: T.ColorJitter(0.4, 0.4, 0.4, 0.1, generator=g), lambda g: T.GaussianBlur(3, generator=g),
    lambda g: T.RandomErasing(1.0, generator=g), lambda g: T.GaussianNoise(generator=g),
    lambda g: T.ElasticTransform(generator=g)])
def test_determinism_under_seeded_generator(make):
    img = _img(10, 10)
    outs = []
    for _ in range(2):
        g = reograd.Generator().manual_seed(123)
        t = make(g)
        outs.append([t(img), t(img)])
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    # the global seed works the same way
    reograd.manual_seed(7)
    a = make(None)(img)
    reograd.manual_seed(7)
    np.testing.assert_array_equal(a, make(None)(img))


def test_batched_tensor_same_params_and_compose():
    x = reograd.tensor(np.stack([_img(8, 8).transpose(2, 0, 1)] * 2))
    out = T.RandomRotation(40)(x).numpy()
    np.testing.assert_array_equal(out[0], out[1])
    pipe = T.Compose([T.RandomCrop(28, padding=2), T.RandomRotation(10), T.ToTensor()])
    res = pipe(np.zeros((28, 28), np.uint8))
    assert tuple(res.shape) == (1, 28, 28)
    with pytest.raises(TypeError, match="NumPy array"):
        T.RandomCrop(3)([1, 2, 3])
