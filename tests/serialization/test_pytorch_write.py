"""reograd.save(obj, f, format="torch"): files that torch.load(f, weights_only=True) reads, with tensors that
share memory kept as views of one storage; round trips reograd -> torch -> reograd and torch -> reograd -> torch."""
import io
import os
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import reograd
import reograd.nn as nn

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.parity

DTYPES = [reograd.float32, reograd.float64, reograd.float16, reograd.complex64, reograd.complex128, reograd.int8,
          reograd.int16, reograd.int32, reograd.int64, reograd.uint8, reograd.bool]


def to_torch(obj):
    buf = io.BytesIO()
    reograd.save(obj, buf, format="torch")
    buf.seek(0)
    return torch.load(buf, weights_only=True)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_every_dtype_0d_empty_noncontiguous(dtype):
    base = (reograd.arange(12).reshape(3, 4) % 5 - 2).to(dtype)
    obj = {"t": base, "z": base[1, 2], "e": reograd.zeros(0, 3, dtype=dtype), "nc": base.t()[1:],
           "flip": base.flip(0)}
    out = to_torch(obj)
    for k, v in obj.items():
        assert out[k].dtype == getattr(torch, dtype.name), k
        np.testing.assert_array_equal(out[k].numpy(), v.numpy())


def test_shared_memory_stays_shared_in_torch():
    base = reograd.arange(24.0).reshape(4, 6)
    obj = {"base": base, "t": base.t(), "row": base[2], "col": base[:, 1], "strided": base[::2, 1::3],
           "again": base, "other": reograd.ones(2)}
    out = to_torch(obj)
    ptr = out["base"].untyped_storage().data_ptr()
    for k in ("t", "row", "col", "strided"):
        assert out[k].untyped_storage().data_ptr() == ptr, k
        np.testing.assert_array_equal(out[k].numpy(), obj[k].numpy())
    assert out["again"] is out["base"] and out["other"].untyped_storage().data_ptr() != ptr
    assert out["col"].stride() == (6,) and out["col"].storage_offset() == 1
    out["base"][2, 1] = 100.0
    assert out["row"][1].item() == 100.0 and out["col"][2].item() == 100.0


def test_containers_and_values_as_torch_reads_them():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    sd = model.state_dict()
    obj = {"sd": sd, "list": [1, [2.5, (3, "x", None, True)]], "tuple": (b"\x00\xff", 1 + 2j, -(2 ** 70), -70000),
           "set": {1, 2}, "size": reograd.Size([2, 3]), "dev": reograd.device("cpu"), "dtype": reograd.float16,
           "nan": float("nan"), "ba": bytearray(b"q"), "od": OrderedDict(a=1), "str": "üñí", 7: "int key",
           "grad": reograd.ones(2, requires_grad=True)}
    out = to_torch(obj)
    assert isinstance(out["sd"], OrderedDict) and list(out["sd"]) == list(sd) and out["sd"]._metadata == sd._metadata
    tmodel = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
    tmodel.load_state_dict(out["sd"])  # strict: torch's own module takes reograd's state dict
    np.testing.assert_array_equal(tmodel[0].weight.detach().numpy(), model[0].weight.detach().numpy())
    assert out["list"] == obj["list"] and out["tuple"] == obj["tuple"] and out["set"] == {1, 2}
    assert out["size"] == torch.Size([2, 3]) and out["dev"] == torch.device("cpu") and out["dtype"] is torch.float16
    assert np.isnan(out["nan"]) and out["ba"] == bytearray(b"q") and out["od"] == OrderedDict(a=1)
    assert out["str"] == "üñí" and out[7] == "int key" and out["grad"].requires_grad


def test_round_trips_both_ways(tmp_path):
    t = torch.randn(5, 4)
    src = {"w": t, "view": t[1:, ::2], "n": 3, "sub": {"b": torch.arange(3)}}
    torch.save(src, tmp_path / "a.pt")
    mid = reograd.load(tmp_path / "a.pt")              # torch -> reograd
    reograd.save(mid, tmp_path / "b.pt", format="torch")
    back = torch.load(tmp_path / "b.pt", weights_only=True)  # -> torch
    assert torch.equal(back["w"], t) and torch.equal(back["view"], t[1:, ::2]) and back["n"] == 3
    assert back["view"].untyped_storage().data_ptr() == back["w"].untyped_storage().data_ptr()
    assert torch.equal(back["sub"]["b"], torch.arange(3))
    again = reograd.load(tmp_path / "b.pt")            # -> reograd again
    assert np.shares_memory(again["w"].numpy(), again["view"].numpy())
    np.testing.assert_array_equal(again["view"].numpy(), t[1:, ::2].numpy())


def test_file_layout_matches_torch():
    buf = io.BytesIO()
    reograd.save({"w": reograd.randn(100)}, buf, format="torch")
    with zipfile.ZipFile(buf) as zf:
        names = zf.namelist()
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
        info = zf.getinfo("archive/data/0")
        assert zf.read("archive/byteorder") == b"little" and zf.read("archive/version") == b"3\n"
    assert names[0] == "archive/data.pkl" and "archive/.data/serialization_id" in names
    raw = buf.getvalue()
    offset = info.header_offset + 30 + len(info.filename) + int.from_bytes(raw[info.header_offset + 28:
                                                                               info.header_offset + 30], "little")
    assert offset % 64 == 0  # storages aligned, as PyTorch's writer aligns them (good for mmap)
    again = io.BytesIO()
    reograd.save(reograd.load(io.BytesIO(raw)), again, format="torch")
    assert len(again.getvalue()) == len(raw)


def test_what_torch_format_cannot_hold(tmp_path):
    with pytest.raises(TypeError, match=r"obj\['a'\] is a NumPy ndarray.*weights_only"):
        reograd.save({"a": np.ones(2)}, tmp_path / "x.pt", format="torch")
    with pytest.raises(TypeError, match="frozenset"):
        reograd.save(frozenset({1}), tmp_path / "x.pt", format="torch")
    with pytest.raises(ValueError, match="format must be"):
        reograd.save(1, tmp_path / "x.pt", format="pickle")
    assert not os.path.exists(tmp_path / "x.pt")  # refused before any file was written
    deep = []
    for _ in range(300):
        deep = [deep]
    with pytest.raises(ValueError, match="more than 256 levels"):
        reograd.save(deep, io.BytesIO(), format="torch")


def test_atomic_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "c.pt"
    reograd.save({"v": reograd.ones(1)}, path, format="torch")
    with pytest.raises(TypeError):
        reograd.save({"v": object()}, path, format="torch")
    assert torch.load(path, weights_only=True)["v"].tolist() == [1.0]
    assert os.listdir(tmp_path) == ["c.pt"]
