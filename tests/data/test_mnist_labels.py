"""MNIST label files whose values lie outside 0-9 are refused with an error naming the file, the value and
its index (before, they loaded silently and broke training far from the cause)."""
import gzip
import os

import numpy as np
import pytest

from reograd.vision import datasets


def _write(folder, labels, dtype=np.uint8):
    os.makedirs(folder, exist_ok=True)
    images = np.zeros((len(labels), 28, 28), np.uint8)
    for name, arr in (("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", np.asarray(labels, dtype))):
        code = {np.uint8: 0x08, np.int32: 0x0C}[arr.dtype.type]  # the IDX type byte
        head = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, ">i4").tobytes()
        with open(os.path.join(folder, name + ".gz"), "wb") as f:
            f.write(gzip.compress(head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()))


@pytest.fixture
def root(monkeypatch, tmp_path):
    monkeypatch.delenv("REOGRAD_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


@pytest.mark.parametrize("cls,folder", [(datasets.MNIST, "mnist"), (datasets.FashionMNIST, "fashion-mnist")])
def test_labels_out_of_range_are_refused(root, cls, folder):
    _write(str(root / folder), [0, 9, 3])
    assert cls(str(root)).targets.tolist() == [0, 9, 3]
    _write(str(root / folder), [0, 9, 10, 255])
    with pytest.raises(RuntimeError, match=r"train-labels-idx1-ubyte.* holds label 10 at index 2; labels must be 0-9"):
        cls(str(root))


def test_negative_labels_in_an_int32_file_are_refused(root):
    _write(str(root / "mnist"), [1, -3], dtype=np.int32)
    with pytest.raises(RuntimeError, match="holds label -3 at index 1"):
        datasets.MNIST(str(root))
