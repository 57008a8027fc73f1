"""reograd.save / reograd.load: a safe format (zip + JSON + .npy, no pickle), round trips, atomic
writes, clear errors for corrupt files and unsupported types."""
import io
import math
import os
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import reograd
import reograd.nn as nn


def assert_same(a, b):
    assert type(a) is type(b) or (isinstance(a, reograd.Tensor) and isinstance(b, reograd.Tensor)), (a, b)
    if isinstance(a, reograd.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def roundtrip(obj, tmp_path):
    path = tmp_path / "ckpt.pt"
    reograd.save(obj, path)
    return reograd.load(path)


@pytest.mark.parametrize("dtype", [reograd.float32, reograd.float64, reograd.float16, reograd.int64, reograd.int32,
                                   reograd.uint8, reograd.int8, reograd.bool, reograd.complex64])
def test_tensor_dtypes(tmp_path, dtype):
    t = (reograd.arange(6).reshape(2, 3) % 2).to(dtype)
    assert_same(t, roundtrip(t, tmp_path))


def test_shapes_requires_grad_and_noncontiguous(tmp_path):
    for t in [reograd.tensor(3.5), reograd.zeros(0, 4), reograd.randn(2, 3, requires_grad=True),
              reograd.randn(4, 5).t()]:
        assert_same(t, roundtrip(t, tmp_path))


def test_nested_structures(tmp_path):
    obj = {"a": [1, 2.5, -0.0, float("inf"), float("nan"), None, True, False, "s", "üñí"],
           "b": (reograd.ones(2), {"c": [reograd.zeros(1, dtype=reograd.int64)]}),
           3: OrderedDict([("x", 1), ("y", (2, 3))]), (1, 2): "tuple key", "big": 2 ** 80,
           "cx": 1 + 2j, "bytes": b"\x00\xff", "set": {1, 2}, "fs": frozenset({"a"}),
           "np": np.arange(3, dtype=np.int16), "npf": np.float32(1.5), "size": reograd.Size([2, 3]),
           "dtype": reograd.float16, "dev": reograd.device("cpu"), "empty": {}, "el": []}
    out = roundtrip(obj, tmp_path)
    assert out["set"] == {1, 2} and out["fs"] == frozenset({"a"}) and out["bytes"] == b"\x00\xff"
    assert out["np"].dtype == np.int16 and type(out["npf"]) is np.float32 and out["size"] == (2, 3)
    assert isinstance(out["size"], reograd.Size) and out["dtype"] is reograd.float16
    for k in ("a", "b", 3, (1, 2), "big", "cx", "dev", "empty", "el"):
        assert_same(obj[k], out[k])


def test_module_and_optimizer_state_dicts(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = reograd.optim.Adam(model.parameters(), lr=1e-3, betas=(0.8, 0.9))
    loss = model(reograd.randn(5, 3)).pow(2).sum()
    loss.backward()
    opt.step()
    ckpt = {"model": model.state_dict(), "optim": opt.state_dict(), "epoch": 3}
    out = roundtrip(ckpt, tmp_path)
    assert isinstance(out["model"], OrderedDict) and out["model"]._metadata == ckpt["model"]._metadata
    assert_same(ckpt["model"], out["model"])
    assert_same(ckpt["optim"], out["optim"])
    model2 = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model2.load_state_dict(out["model"])
    np.testing.assert_array_equal(model2[0].weight.detach().numpy(), model[0].weight.detach().numpy())
    opt2 = reograd.optim.Adam(model2.parameters())
    opt2.load_state_dict(out["optim"])
    assert opt2.param_groups[0]["betas"] == (0.8, 0.9)


def test_parameters_come_back_as_tensors_and_sharing(tmp_path):
    p = nn.Parameter(reograd.randn(3))
    out = roundtrip({"p": p, "again": p, "view": p.detach()}, tmp_path)
    assert type(out["p"]) is reograd.Tensor and out["p"].requires_grad
    assert out["again"] is out["p"]  # the same object twice is stored once, loaded as one
    assert not out["view"].requires_grad
    with zipfile.ZipFile(tmp_path / "ckpt.pt") as zf:  # p and its detached view share one array: one file
        assert len([n for n in zf.namelist() if n.endswith(".npy")]) == 1


def test_file_objects(tmp_path):
    buf = io.BytesIO()
    reograd.save({"w": reograd.arange(4.0)}, buf)
    buf.seek(0)
    assert reograd.load(buf)["w"].tolist() == [0.0, 1.0, 2.0, 3.0]
    with open(tmp_path / "f.pt", "wb") as f:
        reograd.save([1, 2], f)
    with open(tmp_path / "f.pt", "rb") as f:
        assert reograd.load(f, map_location="cpu", weights_only=True) == [1, 2]


def test_unsupported_types_name_type_and_path(tmp_path):
    class Thing:
        pass

    with pytest.raises(TypeError, match=r"Thing.*obj\['model'\]\['layers'\]\[1\]"):
        reograd.save({"model": {"layers": [1, Thing()]}}, tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists()
    with pytest.raises(TypeError, match="function"):
        reograd.save(lambda: 0, io.BytesIO())
    with pytest.raises(TypeError, match="dtype"):
        reograd.save(np.array(["a"]), io.BytesIO())


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "ckpt.pt"
    reograd.save({"v": 1}, path)
    with pytest.raises(TypeError):
        reograd.save({"v": object()}, path)
    assert reograd.load(path) == {"v": 1}
    assert os.listdir(tmp_path) == ["ckpt.pt"]  # no temporary files left


def test_corrupt_and_truncated_files(tmp_path):
    path = tmp_path / "good.pt"
    reograd.save({"w": reograd.randn(50, 20), "b": [reograd.ones(3)], "n": 1}, path)
    blob = path.read_bytes()
    bad = tmp_path / "bad.pt"
    offsets = [0, 1, 10, 100, len(blob) // 3, len(blob) // 2, len(blob) - 200, len(blob) - 22, len(blob) - 1]
    for cut in offsets:
        bad.write_bytes(blob[:cut])
        with pytest.raises(RuntimeError, match="not a reograd checkpoint or corrupt") as e:
            reograd.load(bad)
        assert str(bad) in str(e.value)
    # flipped bytes inside a tensor's data: caught by the zip CRC
    data = bytearray(blob)
    mid = blob.index(b"NUMPY") + 200
    data[mid:mid + 8] = b"\xff" * 8
    bad.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="corrupt"):
        reograd.load(bad)
    for junk in [b"not a checkpoint at all", b"\x80\x04K\x01."]:  # text; a pickle: never unpickled
        bad.write_bytes(junk)
        with pytest.raises(RuntimeError, match="not a reograd checkpoint"):
            reograd.load(bad)
    other = tmp_path / "other.zip"  # a zip, but neither reograd's nor PyTorch's
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("notes/readme.txt", b"hello")
    with pytest.raises(RuntimeError, match="without reograd/manifest.json or a single PyTorch data.pkl"):
        reograd.load(other)
    with pytest.raises(FileNotFoundError):
        reograd.load(tmp_path / "missing.pt")


def test_manifest_tampering_never_executes(tmp_path):
    path = tmp_path / "t.pt"
    reograd.save({"w": reograd.ones(2)}, path)
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    entries["reograd/manifest.json"] = entries["reograd/manifest.json"].replace(b'"tensor"', b'"os.system"')
    with zipfile.ZipFile(path, "w") as zf:
        for n, d in entries.items():
            zf.writestr(n, d)
    with pytest.raises(RuntimeError, match="unknown node type"):
        reograd.load(path)


def test_mmap_maps_the_arrays(tmp_path):
    path = tmp_path / "m.pt"
    w = reograd.randn(64, 32)
    reograd.save({"w": w, "n": np.arange(5)}, path)
    out = reograd.load(path, mmap=True)
    np.testing.assert_array_equal(out["w"].numpy(), w.numpy())
    arr = out["w"].numpy()
    while not isinstance(arr, np.memmap) and arr.base is not None:
        arr = arr.base
    assert isinstance(arr, np.memmap)
    out["w"][0, 0] = 7.0  # copy-on-write: the file keeps its data
    assert reograd.load(path)["w"][0, 0].item() == w[0, 0].item()


def test_members_are_stored_aligned_and_the_bytes_are_reproducible(tmp_path):
    obj = {"w": reograd.arange(100.0).reshape(10, 10).t(), "b": reograd.ones(3, dtype=reograd.int8)}
    reograd.save(obj, tmp_path / "a.pt")
    reograd.save(obj, tmp_path / "b.pt")
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "b.pt").read_bytes()
    raw = (tmp_path / "a.pt").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.pt") as zf:
        for info in zf.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            if info.filename.endswith(".npy"):
                start = info.header_offset + 30 + len(info.filename) + int.from_bytes(
                    raw[info.header_offset + 28:info.header_offset + 30], "little")
                head = np.lib.format.read_magic(io.BytesIO(raw[start:]))
                assert head == (1, 0) and start % 64 == 0  # so the array data is 64-byte aligned too
    assert reograd.load(tmp_path / "a.pt")["w"].tolist() == obj["w"].tolist()


def test_arrays_written_on_a_big_endian_machine_load(tmp_path):
    path = tmp_path / "be.pt"
    reograd.save({"w": reograd.arange(6.0)}, path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    buf = io.BytesIO()
    np.save(buf, np.arange(6.0, dtype=">f4"))
    members["data/0.npy"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    out = reograd.load(path)["w"]
    assert out.tolist() == [0, 1, 2, 3, 4, 5] and out.numpy().dtype.isnative


def test_too_deep_to_save(tmp_path):
    deep = []
    for _ in range(300):
        deep = [deep]
    with pytest.raises(ValueError, match="more than 256 levels deep"):
        reograd.save(deep, tmp_path / "d.pt")
    assert not (tmp_path / "d.pt").exists()
