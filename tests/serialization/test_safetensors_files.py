"""reograd.safetensors against the safetensors package: every dtype the format defines read from files the
package writes, files ours writes read by the package (byte-identical to its own), metadata, lazy loading
by key and by slice, load_model/save_model with tied weights, and malformed files refused clearly --
through the package's NumPy interface and through reograd's own reader/writer (package hidden)."""
import io
import struct
import tracemalloc
import warnings

import numpy as np
import pytest

import reograd
import reograd.nn as nn
import reograd.safetensors as rs
from reograd.safetensors import SafetensorError

safetensors = pytest.importorskip("safetensors")
import safetensors.numpy as snp  # noqa: E402

pytestmark = pytest.mark.parity


@pytest.fixture(params=["package", "own"])
def backend(request, monkeypatch):
    """Run a test with the package's NumPy interface, and with reograd's own reader/writer."""
    if request.param == "own":
        monkeypatch.setattr(rs, "_package", lambda: None)
    return request.param


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def test_every_dtype_written_by_the_package(backend, tmp_path):
    torch = pytest.importorskip("torch")
    import safetensors.torch as stt

    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 4, generator=g) * 4
    tensors = {"BOOL": x > 0, "U8": x.abs().to(torch.uint8), "I8": x.to(torch.int8), "I16": (x * 100).to(torch.int16),
               "U16": (x.abs() * 1e4).to(torch.uint16), "I32": (x * 1e6).to(torch.int32),
               "U32": (x.abs() * 1e9).to(torch.uint32), "I64": (x * 1e12).to(torch.int64),
               "U64": (x.abs() * 1e15).to(torch.uint64), "F16": x.half(), "BF16": x.bfloat16(), "F32": x,
               "F64": x.double(), "C64": torch.complex(x, -x), "F8_E4M3": x.to(torch.float8_e4m3fn),
               "F8_E5M2": x.to(torch.float8_e5m2), "F8_E4M3FNUZ": x.to(torch.float8_e4m3fnuz),
               "F8_E5M2FNUZ": x.to(torch.float8_e5m2fnuz), "F8_E8M0": x.abs().to(torch.float8_e8m0fnu),
               "zero_d": torch.tensor(2.5), "empty": torch.zeros(0, 3)}
    path = tmp_path / "all.safetensors"
    stt.save_file(tensors, path, metadata={"format": "pt", "note": "ü"})
    with pytest.warns(UserWarning, match="BF16 as float32.*U16 as int32"):
        out = rs.load_file(path)
    assert set(out) == set(tensors)
    for k, t in tensors.items():
        ref = t.to(torch.float32) if t.dtype.is_floating_point and t.dtype not in (torch.float16, torch.float64) \
            else t.to(torch.int64) if t.dtype in (torch.uint32, torch.uint64) else \
            t.to(torch.int32) if t.dtype == torch.uint16 else t
        np.testing.assert_array_equal(out[k].numpy(), ref.numpy(), err_msg=k)
        assert out[k].dtype.name == str(ref.dtype).split(".")[1], k
    with rs.safe_open(path, framework="pt") as f:
        assert f.metadata() == {"format": "pt", "note": "ü"} and f.keys() == sorted(tensors)
        assert f.get_slice("BF16").get_dtype() == "BF16" and f.get_slice("F32").get_shape() == [3, 4]


def test_f4_values_follow_the_e2m1_table(tmp_path):
    # the 16 codes of FP4 E2M1 (OCP microscaling spec): 0, 0.5, 1, 1.5, 2, 3, 4, 6 and their negatives
    codes = np.arange(16, dtype=np.uint8)
    packed = (codes[0::2] | (codes[1::2] << 4)).reshape(1, 8)  # two values per byte, the first in the low nibble
    header = b'{"f4":{"dtype":"F4","shape":[1,16],"data_offsets":[0,8]}}'
    path = tmp_path / "f4.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + packed.tobytes())
    out = quiet(rs.load_file, path)["f4"]
    assert out.shape == (1, 16)
    np.testing.assert_array_equal(out.numpy()[0], [0, .5, 1, 1.5, 2, 3, 4, 6, -0., -.5, -1, -1.5, -2, -3, -4, -6])


def test_files_we_write_read_by_the_package_and_byte_identical(backend, tmp_path):
    arrays = {"w": np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32),
              "b": np.arange(5, dtype=np.int16), "d": np.ones((2, 2)), "flag": np.array([True, False]),
              "u": np.arange(3, dtype=np.uint32), "z": np.array(7, dtype=np.int64), "e": np.zeros((0, 2), np.float16),
              "c": np.array([1 + 2j], np.complex64)}
    tensors = {k: reograd.from_numpy(v) if v.dtype != np.uint32 else v for k, v in arrays.items()}
    ours = tmp_path / "ours.safetensors"
    rs.save_file(tensors, ours, metadata={"epoch": "3"})
    back = snp.load_file(ours)
    for k, v in arrays.items():
        np.testing.assert_array_equal(back[k], v)
        assert back[k].dtype == v.dtype and back[k].shape == v.shape
    theirs = tmp_path / "theirs.safetensors"
    snp.save_file(arrays, theirs, metadata={"epoch": "3"})
    assert ours.read_bytes() == theirs.read_bytes()
    assert rs.save(tensors, metadata={"epoch": "3"}) == snp.save(arrays, metadata={"epoch": "3"})
    loaded = quiet(rs.load, theirs.read_bytes())
    np.testing.assert_array_equal(loaded["w"].numpy(), arrays["w"])
    assert loaded["z"].shape == () and loaded["u"].dtype == reograd.int64


def test_non_contiguous_tensors_are_written_in_c_order(backend, tmp_path):
    t, u = reograd.arange(12.0).reshape(3, 4), reograd.arange(20).reshape(4, 5)
    rs.save_file({"t": t.t(), "s": u[:, ::2]}, tmp_path / "nc.safetensors")
    back = snp.load_file(tmp_path / "nc.safetensors")
    np.testing.assert_array_equal(back["t"], t.t().numpy())
    np.testing.assert_array_equal(back["s"], u[:, ::2].numpy())


def test_lazy_loading_by_key_and_by_slice(backend, tmp_path):
    big = np.random.default_rng(0).standard_normal((4096, 1024)).astype(np.float32)  # 16 MB
    path = tmp_path / "big.safetensors"
    snp.save_file({"big": big, "small": np.arange(4.0)}, path)
    with rs.safe_open(path, framework="pt") as f:
        tracemalloc.start()
        small = f.get_tensor("small")
        rows = f.get_slice("big")[100:103]
        cols = f.get_slice("big")[5:7, ::256]
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert small.tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(rows.numpy(), big[100:103])
    np.testing.assert_array_equal(cols.numpy(), big[5:7, ::256])
    assert peak < 2 ** 20, f"{peak} bytes read for a few rows of a 16 MB tensor"
    with rs.safe_open(path, framework="np") as f:
        assert isinstance(f.get_tensor("small"), np.ndarray)
        with pytest.raises(SafetensorError, match="no tensor named 'nope'"):
            f.get_tensor("nope")


def test_load_model_and_save_model_with_tied_weights(backend, tmp_path):
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(5, 3)
            self.out = nn.Linear(3, 5, bias=False)
            self.out.weight = self.emb.weight

    model = Tied()
    with pytest.raises(SafetensorError, match="share memory"):
        rs.save_file(model.state_dict(), tmp_path / "t.safetensors")
    rs.save_model(model, tmp_path / "t.safetensors")
    assert snp.load_file(tmp_path / "t.safetensors").keys() == {"emb.weight"}
    fresh = Tied()
    missing, unexpected = rs.load_model(fresh, tmp_path / "t.safetensors")
    assert missing == [] and unexpected == []
    np.testing.assert_array_equal(fresh.out.weight.detach().numpy(), model.emb.weight.detach().numpy())
    plain = nn.Linear(3, 2)
    rs.save_file(plain.state_dict(), tmp_path / "p.safetensors")
    other = nn.Linear(3, 2)
    other.load_state_dict(rs.load_file(tmp_path / "p.safetensors"))
    np.testing.assert_array_equal(other.weight.detach().numpy(), plain.weight.detach().numpy())


def _header_file(path, header, data=b""):
    path.write_bytes(struct.pack("<Q", len(header)) + header + data)
    return path


BAD_FILES = {
    "header longer than the file": (lambda p: p.write_bytes(struct.pack("<Q", 10 ** 12) + b"{}"), "header claims"),
    "shorter than 8 bytes": (lambda p: p.write_bytes(b"abc"), "shorter than 8 bytes"),
    "header not JSON": (lambda p: _header_file(p, b"{nope"), "not valid JSON"),
    "header a JSON list": (lambda p: _header_file(p, b"[1, 2]"), "not a JSON object"),
    "unknown dtype": (lambda p: _header_file(p, b'{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}', bytes(16)),
                      "malformed header entry"),
    "offsets != shape": (lambda p: _header_file(p, b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', bytes(4)),
                         "needs 8 bytes"),
    "overlapping tensors": (lambda p: _header_file(
        p, b'{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
           b'"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', bytes(8)), "overlapping or gapped"),
    "data past the end": (lambda p: _header_file(p, b'{"a":{"dtype":"F32","shape":[1000],"data_offsets":[0,4000]}}',
                                                 bytes(40)), "truncated"),
    "metadata not strings": (lambda p: _header_file(p, b'{"__metadata__":{"a":1}}'), "map strings to strings"),
    "F4 with an odd last dimension": (lambda p: _header_file(
        p, b'{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,1]}}', bytes(1)), "must be even"),
    "negative shape": (lambda p: _header_file(p, b'{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}'),
                       "malformed header entry"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_malformed_files_are_refused_clearly(backend, case, tmp_path):
    make, reason = BAD_FILES[case]
    path = tmp_path / "bad.safetensors"
    make(path)
    with pytest.raises(SafetensorError, match=reason) as e:
        rs.load_file(path)
    assert str(path) in str(e.value)


def test_what_cannot_be_written(backend, tmp_path):
    with pytest.raises(SafetensorError, match="complex128"):
        rs.save_file({"c": reograd.zeros(2, dtype=reograd.complex128)}, tmp_path / "c.safetensors")
    with pytest.raises(TypeError, match="names must be strings"):
        rs.save_file({1: reograd.zeros(2)}, tmp_path / "c.safetensors")
    with pytest.raises(SafetensorError, match="reserved"):
        rs.save_file({"__metadata__": reograd.zeros(2)}, tmp_path / "c.safetensors")
    with pytest.raises(SafetensorError, match="metadata must be a dict of str -> str"):
        rs.save_file({"a": reograd.zeros(2)}, tmp_path / "c.safetensors", metadata={"a": 1})
    with pytest.raises(TypeError, match="not a tensor"):
        rs.save_file({"a": [1, 2]}, tmp_path / "c.safetensors")
    assert not (tmp_path / "c.safetensors").exists()
    assert list(tmp_path.iterdir()) == []  # no temporary files left either


def test_bytes_round_trip(backend):
    data = rs.save({"a": reograd.arange(3.0), "b": reograd.ones(2, 2, dtype=reograd.int8)})
    out = rs.load(io.BytesIO(data).getvalue())
    assert out["a"].tolist() == [0, 1, 2] and out["b"].dtype == reograd.int8
    assert snp.load(data)["b"].dtype == np.int8
