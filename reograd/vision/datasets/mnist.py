"""MNIST and Fashion-MNIST, read from IDX files (``torchvision.datasets.MNIST`` / ``FashionMNIST``).

Where the files are looked for, in order (the first folder holding the split's two files wins):

1. ``root/mnist/``, ``root/MNIST/raw/``, ``root/MNIST/``, ``root/`` (``fashion-mnist`` / ``FashionMNIST`` for Fashion-MNIST)
2. ``$REOGRAD_DATA/mnist/`` (and ``$REOGRAD_DATA/MNIST/raw/``)
3. the cache folder ``~/.cache/reograd/mnist/``
4. with ``download=True``: downloaded into ``root/MNIST/raw/`` (or the cache folder when ``root`` is None),
   checked against the published MD5 checksums.

Files may be gzip-compressed (``.gz``) or raw. Where the folder holds ``MD5SUMS`` (checksums of the
files as they lie) or ``MD5SUMS.raw`` (of the decompressed files), they are checked too.
There is no PIL dependency: a sample's image is a ``uint8`` NumPy array of shape 28x28, which
``transforms.ToTensor()`` turns into a float tensor 1x28x28 in [0, 1].
"""
from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

from ...autograd.tensor import Tensor
from ...utils.data import Dataset
from . import _download

__all__ = ["MNIST", "FashionMNIST", "read_idx"]

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _read_md5sums(folder, name):
    path = os.path.join(folder, name)
    sums = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    sums[parts[1].lstrip("*")] = parts[0].lower()
    except OSError:
        pass
    return sums


def read_idx(path, md5=None, raw_md5=None):
    """Read an IDX file (gzip-compressed or raw) into a NumPy array, with checks.

    Args:
        path: the file.
        md5: expected MD5 of the file as it lies (optional).
        raw_md5: expected MD5 of the decompressed content (optional).

    Raises RuntimeError naming the file for an unreadable, truncated or corrupt file (bad gzip
    stream, bad magic number, data size not matching the header, checksum mismatch).
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError as e:
        raise RuntimeError(f"cannot read IDX file {path}: {e}") from None
    if md5 is not None and _download.md5_bytes(blob) != md5:
        raise RuntimeError(f"IDX file {path} is corrupt: checksum mismatch (md5 {_download.md5_bytes(blob)}, "
                           f"expected {md5}); delete it and fetch it again")
    if blob[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(blob)
        except (OSError, EOFError, zlib.error) as e:
            raise RuntimeError(f"IDX file {path} is corrupt: bad or truncated gzip stream ({e}); delete it and "
                               "fetch it again") from None
    else:
        data = blob
    if raw_md5 is not None and _download.md5_bytes(data) != raw_md5:
        raise RuntimeError(f"IDX file {path} is corrupt: checksum of the decompressed content mismatch (md5 "
                           f"{_download.md5_bytes(data)}, expected {raw_md5}); delete it and fetch it again")
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES or not 1 <= data[3] <= 8:
        raise RuntimeError(f"{path} is not an IDX file: bad magic number {data[:4].hex() or '(empty file)'} "
                           "(expected 0000 + type code + number of dimensions)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise RuntimeError(f"IDX file {path} is truncated: {len(data)} bytes, shorter than its {header}-byte header")
    shape = tuple(int(d) for d in np.frombuffer(data, ">i4", ndim, 4))
    dt = np.dtype(_IDX_TYPES[data[2]])
    expected = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
    if len(data) - header != expected:
        what = "truncated" if len(data) - header < expected else "corrupt (trailing bytes)"
        raise RuntimeError(f"IDX file {path} is {what}: the header says shape {shape} ({expected} bytes of data), "
                           f"the file holds {len(data) - header} bytes of data")
    arr = np.frombuffer(data, dt, count=expected // dt.itemsize, offset=header).reshape(shape)
    return arr.astype(dt.newbyteorder("="), copy=True)  # native order, writable


class MNIST(Dataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28, labels 0-9.

    Args:
        root: folder holding the files (see the module docstring for the lookup order); may be None.
        train: the training split (True) or the test split.
        transform: applied to the image (a uint8 NumPy array 28x28), e.g. ``transforms.ToTensor()``.
        target_transform: applied to the label (an int).
        download: fetch the files from the mirrors when they are not found.

    Attributes: ``data`` (uint8 tensor N x 28 x 28), ``targets`` (int64 tensor N), ``classes``.
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    data_folder = "mnist"  # the sub-folder of $REOGRAD_DATA and of the cache
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        self.root = os.path.expanduser(os.fspath(root)) if root is not None else None
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        prefix = "train" if train else "t10k"
        names = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
        folders = self._candidate_folders()
        found = self._find(folders, names)
        if found is None and download:
            target = os.path.join(self.root, type(self).__name__, "raw") if self.root is not None else \
                os.path.join(_download.cache_dir(), self.data_folder)
            for filename, md5 in self.resources:
                if self._file_in(target, filename[:-3]) is None:
                    _download.download_file(filename, target, md5, self.mirrors)
            found = self._find([target], names)
        if found is None:
            raise RuntimeError(self._missing_message(folders, names))
        images = read_idx(*found[0])
        labels = read_idx(*found[1])
        img_path, lbl_path = found[0][0], found[1][0]
        if images.ndim != 3 or images.dtype != np.uint8:
            raise RuntimeError(f"{type(self).__name__}: {img_path} should hold uint8 images N x H x W, "
                               f"got {images.dtype} of shape {images.shape}")
        if labels.ndim != 1 or len(labels) != len(images):
            raise RuntimeError(f"{type(self).__name__}: {lbl_path} holds labels of shape {labels.shape}, but "
                               f"{img_path} holds {len(images)} images")
        if labels.size and (labels.min() < 0 or labels.max() >= len(self.classes)):
            bad = int(np.flatnonzero((labels < 0) | (labels >= len(self.classes)))[0])
            raise RuntimeError(f"{type(self).__name__}: {lbl_path} holds label {int(labels[bad])} at index {bad}; "
                               f"labels must be 0-{len(self.classes) - 1} (a damaged or wrong labels file)")
        self.raw_folder = os.path.dirname(img_path)
        self._images = images
        self._labels = labels.astype(np.int64)
        self.data = Tensor._make(self._images)
        self.targets = Tensor._make(self._labels)

    # ----------------------------------------------------------------- finding the files
    def _candidate_folders(self):
        name = type(self).__name__
        subs = [self.data_folder, os.path.join(name, "raw"), name]
        folders = []
        if self.root is not None:
            folders += [os.path.join(self.root, s) for s in subs] + [self.root]
        env = os.environ.get("REOGRAD_DATA")
        if env:
            env = os.path.abspath(os.path.expanduser(env))
            folders += [os.path.join(env, self.data_folder), os.path.join(env, name, "raw")]
        folders.append(os.path.join(_download.cache_dir(), self.data_folder))
        return folders

    @staticmethod
    def _file_in(folder, name):
        for candidate in (name, name + ".gz"):
            path = os.path.join(folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _find(self, folders, names):
        """``((path, md5, raw_md5), (path, md5, raw_md5))`` from the first folder holding both files."""
        for folder in folders:
            paths = [self._file_in(folder, n) for n in names]
            if all(p is not None for p in paths):
                sums, raw_sums = _read_md5sums(folder, "MD5SUMS"), _read_md5sums(folder, "MD5SUMS.raw")
                return tuple((p, sums.get(os.path.basename(p)), raw_sums.get(n)) for p, n in zip(paths, names))
        return None

    def _missing_message(self, folders, names):
        name = type(self).__name__
        files = ", ".join(f for f, _ in self.resources)
        where = "\n  ".join(folders)
        return (f"{name}: the {'training' if self.train else 'test'} files {names[0]}(.gz) and {names[1]}(.gz) were "
                f"not found. Looked in:\n  {where}\nPut the files {files} (gzip-compressed or not) in "
                f"{os.path.join(self.root, self.data_folder) if self.root else '<root>/' + self.data_folder}/, or set "
                f"REOGRAD_DATA to a folder holding {self.data_folder}/, or pass download=True to fetch them from "
                f"{self.mirrors[0]}")

    # ----------------------------------------------------------------- the dataset
    def __getitem__(self, index):
        index = int(index)
        img, target = self._images[index].copy(), int(self._labels[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self._images)

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    @property
    def train_labels(self):
        return self.targets

    @property
    def test_labels(self):
        return self.targets

    @property
    def train_data(self):
        return self.data

    @property
    def test_data(self):
        return self.data

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"

    def __repr__(self):
        lines = [f"Number of datapoints: {len(self)}", f"Root location: {self.root}", self.extra_repr()]
        if self.transform is not None:
            lines.append(f"Transform: {self.transform!r}")
        if self.target_transform is not None:
            lines.append(f"Target transform: {self.target_transform!r}")
        return "\n".join([f"Dataset {type(self).__name__}"] + ["    " + ln for ln in lines])


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando): 28x28 grey images of 10 kinds of clothing, same format and API as MNIST.

    Files are looked for in ``fashion-mnist/`` (``root/fashion-mnist``, ``$REOGRAD_DATA/fashion-mnist``,
    ``~/.cache/reograd/fashion-mnist``) and ``root/FashionMNIST/raw``.
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    data_folder = "fashion-mnist"
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
