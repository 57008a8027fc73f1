"""MNIST / Fashion-MNIST readers (real files from $REOGRAD_DATA, synthetic IDX files for the error cases,
a mocked download) and the synthetic toy data sets."""
import gzip
import hashlib
import os

import numpy as np
import pytest

import reograd
import reograd.vision
from reograd.utils.data import DataLoader
from reograd.vision import datasets, transforms
from reograd.vision.datasets import _download
from reograd.vision.datasets.mnist import read_idx

DATA = os.environ.get("REOGRAD_DATA") or "/work/shared/data"
HAVE_MNIST = os.path.isdir(os.path.join(DATA, "mnist"))
needs_mnist = pytest.mark.skipif(not HAVE_MNIST, reason=f"MNIST files not found: set REOGRAD_DATA to a folder holding "
                                                        f"mnist/ (looked in {DATA!r})")


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No $REOGRAD_DATA and an empty cache: only what the test puts in tmp_path is found."""
    monkeypatch.delenv("REOGRAD_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def idx_bytes(arr):
    arr = np.asarray(arr)
    code = {np.uint8: 0x08, np.int32: 0x0C}[arr.dtype.type]
    head = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, ">i4").tobytes()
    return head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def write_split(folder, n=5, prefix="train", gz=True, images=None):
    os.makedirs(folder, exist_ok=True)
    images = np.arange(n * 28 * 28, dtype=np.int64).reshape(n, 28, 28).astype(np.uint8) if images is None else images
    labels = (np.arange(n) % 10).astype(np.uint8)
    for name, arr in ((f"{prefix}-images-idx3-ubyte", images), (f"{prefix}-labels-idx1-ubyte", labels)):
        data = idx_bytes(arr)
        path = os.path.join(folder, name + (".gz" if gz else ""))
        with open(path, "wb") as f:
            f.write(gzip.compress(data) if gz else data)
    return images, labels


# ----------------------------------------------------------------- the real files
@needs_mnist
@pytest.mark.parametrize("train,n", [(True, 60000), (False, 10000)])
def test_mnist_counts_and_checksums(monkeypatch, train, n):
    monkeypatch.setenv("REOGRAD_DATA", DATA)
    ds = datasets.MNIST(None, train=train)
    assert len(ds) == n and ds.data.shape == (n, 28, 28)
    assert ds.data.dtype == reograd.uint8 and ds.targets.dtype == reograd.int64
    hist = np.bincount(ds.targets.numpy(), minlength=10)
    assert hist.sum() == n and len(hist) == 10 and hist.min() > 0.08 * n
    if train:  # the published class counts of the MNIST training set
        assert hist.tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    # pixel checksum: the md5 of the images equals the md5 of the official decompressed file's payload
    raw = gzip.decompress(open(os.path.join(DATA, "mnist", f"{'train' if train else 't10k'}-images-idx3-ubyte.gz"),
                               "rb").read())
    assert hashlib.md5(ds.data.numpy().tobytes()).hexdigest() == hashlib.md5(raw[16:]).hexdigest()
    img, target = ds[0]
    assert isinstance(img, np.ndarray) and img.shape == (28, 28) and img.dtype == np.uint8
    assert isinstance(target, int) and target == int(ds.targets[0])
    assert ds.classes[0] == "0 - zero" and ds.class_to_idx["9 - nine"] == 9


@needs_mnist
def test_mnist_with_transform_and_loader(monkeypatch):
    monkeypatch.setenv("REOGRAD_DATA", DATA)
    ds = datasets.MNIST(DATA, train=False, transform=transforms.ToTensor())
    x, y = ds[0]
    assert x.shape == (1, 28, 28) and x.dtype == reograd.float32 and 0 <= x.min().item() and x.max().item() <= 1
    xb, yb = next(iter(DataLoader(ds, batch_size=16)))
    assert xb.shape == (16, 1, 28, 28) and yb.dtype == reograd.int64
    assert "Split: Test" in repr(ds)


# ----------------------------------------------------------------- lookup and errors
def test_lookup_root_layouts_and_env(isolated):
    imgs, labels = write_split(isolated / "a" / "mnist", n=4)
    ds = datasets.MNIST(isolated / "a")
    np.testing.assert_array_equal(ds.data.numpy(), imgs)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    write_split(isolated / "b" / "MNIST" / "raw", n=3, gz=False)
    assert len(datasets.MNIST(str(isolated / "b"))) == 3
    write_split(isolated / "c", n=2, prefix="t10k")
    assert len(datasets.MNIST(isolated / "c", train=False)) == 2
    write_split(isolated / "env" / "fashion-mnist", n=6)
    os.environ["REOGRAD_DATA"] = str(isolated / "env")
    f = datasets.FashionMNIST(isolated / "nothing-here")
    assert len(f) == 6 and f.classes[9] == "Ankle boot"


def test_missing_data_message(isolated):
    with pytest.raises(RuntimeError) as e:
        datasets.MNIST(isolated / "root")
    msg = str(e.value)
    assert "train-images-idx3-ubyte" in msg and "REOGRAD_DATA" in msg and "download=True" in msg
    assert str(isolated / "root" / "mnist") in msg


@pytest.mark.parametrize("corrupt,match", [
    (lambda b: b[:-100], "truncated"),
    (lambda b: b + b"\0\0", "trailing"),
    (lambda b: b"\x01\x02" + b[2:], "bad magic"),
    (lambda b: b[:10], "truncated"),
    (lambda b: b"", "bad magic"),
])
def test_corrupt_raw_idx(tmp_path, corrupt, match):
    path = tmp_path / "x-idx3-ubyte"
    path.write_bytes(corrupt(idx_bytes(np.zeros((3, 8, 8), np.uint8))))
    with pytest.raises(RuntimeError, match=match) as e:
        read_idx(path)
    assert str(path) in str(e.value)


def test_corrupt_gzip_and_checksums(tmp_path, isolated):
    good = gzip.compress(idx_bytes(np.zeros((3, 4, 4), np.uint8)))
    path = tmp_path / "x.gz"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(RuntimeError, match="gzip") as e:
        read_idx(path)
    assert str(path) in str(e.value)
    path.write_bytes(good)
    assert read_idx(path).shape == (3, 4, 4)
    with pytest.raises(RuntimeError, match="checksum mismatch"):
        read_idx(path, md5="0" * 32)
    with pytest.raises(RuntimeError, match="decompressed"):
        read_idx(path, raw_md5="0" * 32)
    # an MD5SUMS file in the data folder is honoured
    folder = isolated / "d" / "mnist"
    write_split(folder, n=2)
    (folder / "MD5SUMS").write_text("00000000000000000000000000000000  train-images-idx3-ubyte.gz\n")
    with pytest.raises(RuntimeError, match="checksum mismatch"):
        datasets.MNIST(isolated / "d")


def test_wrong_label_count(isolated):
    folder = isolated / "mnist"
    write_split(folder, n=3)
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(np.zeros(5, np.uint8))))
    with pytest.raises(RuntimeError, match="labels"):
        datasets.MNIST(isolated)


# ----------------------------------------------------------------- download (mocked: no network)
def test_download_with_checksum(isolated, monkeypatch):
    src = isolated / "server"
    write_split(src, n=2, prefix="train")
    write_split(src, n=2, prefix="t10k")
    sums = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in src.iterdir()}
    calls = []

    def fake_fetch(url, dest, timeout=60):
        calls.append(url)
        name = url.rsplit("/", 1)[1]
        if "bad-mirror" in url:
            with open(dest, "wb") as f:
                f.write(b"garbage")
            return
        with open(dest, "wb") as f:
            f.write((src / name).read_bytes())

    monkeypatch.setattr(_download, "fetch_url", fake_fetch)
    monkeypatch.setattr(datasets.MNIST, "resources", [(n, sums[n]) for n in sorted(sums)])
    monkeypatch.setattr(datasets.MNIST, "mirrors", ["http://bad-mirror/", "http://good/"])
    with pytest.raises(RuntimeError, match="not found"):
        datasets.MNIST(isolated / "root")  # no download without download=True
    assert calls == []
    ds = datasets.MNIST(isolated / "root", download=True)
    assert len(ds) == 2 and any("bad-mirror" in c for c in calls)
    raw = isolated / "root" / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(sums)  # no temporary files left
    # every mirror wrong: a clear error, and the good files already there are not touched
    monkeypatch.setattr(datasets.MNIST, "mirrors", ["http://bad-mirror/"])
    with pytest.raises(RuntimeError, match="checksum mismatch"):
        _download.download_file("new.gz", str(raw), "0" * 32, datasets.MNIST.mirrors)
    assert not (raw / "new.gz").exists()
    before = (raw / "train-images-idx3-ubyte.gz").read_bytes()
    _download.download_file("train-images-idx3-ubyte.gz", str(raw), sums["train-images-idx3-ubyte.gz"], ["http://bad-mirror/"])
    assert (raw / "train-images-idx3-ubyte.gz").read_bytes() == before


# ----------------------------------------------------------------- synthetic sets
def test_moons_geometry():
    X, y = datasets.make_moons(400, seed=0)
    assert X.dtype == reograd.float32 and y.dtype == reograd.int64 and X.shape == (400, 2)
    X, y = X.numpy(), y.numpy()
    assert np.bincount(y).tolist() == [200, 200]
    m0, m1 = X[y == 0].mean(0), X[y == 1].mean(0)
    np.testing.assert_allclose(m0, [0.0, 2 / np.pi], atol=0.01)
    np.testing.assert_allclose(m1, [1.0, 0.5 - 2 / np.pi], atol=0.01)
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0, atol=1e-6)


def test_circles_radius_and_noise():
    X, y = datasets.make_circles(300, factor=0.5, generator=reograd.Generator().manual_seed(1))
    r = np.hypot(*X.numpy().T)
    np.testing.assert_allclose(r[y.numpy() == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(r[y.numpy() == 1], 0.5, atol=1e-6)
    Xn, yn = datasets.make_circles(2000, factor=0.5, noise=0.05, seed=2)
    assert abs(np.hypot(*Xn.numpy()[yn.numpy() == 1].T).mean() - 0.5) < 0.01
    with pytest.raises(ValueError, match="factor"):
        datasets.make_circles(10, factor=1.5)


def test_xor_spirals_blobs_regression():
    X, y = datasets.make_xor(4)
    assert X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and y.tolist() == [0, 1, 1, 0]
    X, y = datasets.make_spirals(301, n_classes=3, turns=1.5, seed=0)
    assert np.bincount(y.numpy()).tolist() == [101, 100, 100]
    assert np.hypot(*X.numpy().T).max() <= 1.0 + 1e-6
    X, y = datasets.make_blobs(300, centers=[[0, 0], [10, 10]], cluster_std=0.5, seed=0)
    for k, c in enumerate([[0, 0], [10, 10]]):
        np.testing.assert_allclose(X.numpy()[y.numpy() == k].mean(0), c, atol=0.15)
        assert abs(X.numpy()[y.numpy() == k].std() - 0.5) < 0.08
    X, y = datasets.make_regression_1d(np.cos, n=50, x_range=(0, 2), grid=True)
    assert X.shape == (50, 1) and y.dtype == reograd.float32
    np.testing.assert_allclose(y.numpy()[:, 0], np.cos(X.numpy()[:, 0]), atol=1e-6)
    a = datasets.make_moons(20, noise=0.1, seed=5)[0].numpy()
    assert np.array_equal(a, datasets.make_moons(20, noise=0.1, seed=5)[0].numpy())
    ds = datasets.SyntheticDataset("moons", n_samples=40, noise=0.1, seed=0)
    xb, yb = next(iter(DataLoader(ds, batch_size=40)))
    assert xb.shape == (40, 2) and yb.shape == (40,)
