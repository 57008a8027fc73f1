"""reograd.load on files written by the real ``torch.save``: every dtype, 0-d, empty, non-contiguous and
shared-storage tensors, nested containers; the zip format in both byte orders, the legacy pickle and tar
formats; map_location, mmap, Parameters, pickle protocols; clear refusals for what reograd cannot hold."""
import io
import pickle
import struct
import tarfile
import warnings
import zipfile
from collections import Counter, OrderedDict

import numpy as np
import pytest

import reograd
from reograd.serialization import CheckpointError

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.parity

EXACT = [torch.float32, torch.float64, torch.float16, torch.complex64, torch.complex128, torch.int8, torch.int16,
         torch.int32, torch.int64, torch.uint8, torch.bool]
WIDENED = {torch.bfloat16: np.float32, torch.uint16: np.int32, torch.uint32: np.int64, torch.uint64: np.int64,
           torch.float8_e4m3fn: np.float32, torch.float8_e5m2: np.float32, torch.float8_e4m3fnuz: np.float32,
           torch.float8_e5m2fnuz: np.float32, torch.float8_e8m0fnu: np.float32}


def torch_file(obj, **kw):
    buf = io.BytesIO()
    torch.save(obj, buf, **kw)
    buf.seek(0)
    return buf


def load_quiet(f, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return reograd.load(f, **kw)


def sample(dtype, shape=(2, 3)):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=g) * 3
    if dtype == torch.bool:
        return x > 0
    if dtype.is_complex:
        return torch.complex(x, -x).to(dtype)
    if dtype in (torch.uint8, torch.uint16, torch.uint32, torch.uint64):
        return x.abs().to(torch.int64).to(dtype)
    if dtype == torch.float8_e8m0fnu:
        return x.abs().clamp(min=1e-3).to(dtype)
    return x.to(dtype)


def reference(t):
    """The values reograd should load for the torch tensor ``t`` (widened exactly where reograd lacks the dtype)."""
    if t.dtype in WIDENED:
        return t.to(torch.float32 if WIDENED[t.dtype] == np.float32 else torch.int64).numpy().astype(WIDENED[t.dtype])
    return t.numpy()


FORMATS = [pytest.param({}, id="zip"), pytest.param({"_use_new_zipfile_serialization": False}, id="legacy"),
           pytest.param({"pickle_protocol": 4}, id="zip-protocol4")]


@pytest.mark.parametrize("kw", FORMATS)
@pytest.mark.parametrize("dtype", EXACT + list(WIDENED), ids=str)
def test_every_dtype(dtype, kw):
    # (torch.load itself cannot read its legacy files of the dtypes added since -- uint16, float8...; reograd can)
    obj = {"t": sample(dtype), "z": sample(dtype, ()), "e": sample(dtype, (0, 4))}
    out = load_quiet(torch_file(obj, **kw))
    for k, v in obj.items():
        np.testing.assert_array_equal(out[k].numpy(), reference(v))
        assert out[k].numpy().dtype == reference(v).dtype and tuple(out[k].shape) == tuple(v.shape)


def test_widened_dtypes_warn_once_naming_the_file(tmp_path):
    path = tmp_path / "bf.pt"
    torch.save({"a": torch.ones(2, dtype=torch.bfloat16), "b": torch.ones(3, dtype=torch.bfloat16)}, path)
    with pytest.warns(UserWarning, match=r"bf.pt.*2 bfloat16 storages as float32") as rec:
        reograd.load(path)
    assert len(rec) == 1


@pytest.mark.parametrize("kw", FORMATS)
def test_views_share_memory_and_layout(kw):
    base = torch.arange(24.0).reshape(4, 6)
    obj = {"base": base, "t": base.t(), "row": base[2], "col": base[:, 1], "strided": base[::2, 1::3],
           "exp": torch.arange(3.0).expand(4, 3), "again": base}
    out = load_quiet(torch_file(obj, **kw))
    for k, v in obj.items():
        np.testing.assert_array_equal(out[k].numpy(), v.numpy())
        assert out[k].stride() == v.stride() or v.numel() <= 1
    assert out["again"] is out["base"]
    for k in ("t", "row", "col", "strided"):
        assert np.shares_memory(out[k].numpy(), out["base"].numpy()), k
    out["base"][2, 1] = 100.0  # one storage: a write through one view shows in the others
    assert out["row"][1].item() == 100.0 and out["col"][2].item() == 100.0 and out["t"][1, 2].item() == 100.0


def test_nested_containers_and_values():
    sd = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3)).state_dict()
    obj = {"sd": sd, "list": [1, [2.5, (3, "x")], None, True], "tuple": (b"\x00\xff", 1 + 2j, -(2 ** 70)),
           "set": {1, 2}, "counter": Counter("aab"), "size": torch.Size([2, 3]), "dev": torch.device("cpu"),
           "dtype": torch.float16, "bfloat": torch.bfloat16, "nan": float("nan"), "ba": bytearray(b"q"),
           "od": OrderedDict(a=1), "str": "üñí", 7: "int key", (1, 2): "tuple key"}
    out = load_quiet(torch_file(obj))
    assert isinstance(out["sd"], OrderedDict) and list(out["sd"]) == list(sd)
    assert out["sd"]._metadata == sd._metadata
    for k, v in sd.items():
        np.testing.assert_array_equal(out["sd"][k].numpy(), v.numpy())
    assert out["list"] == [1, [2.5, (3, "x")], None, True] and out["tuple"] == (b"\x00\xff", 1 + 2j, -(2 ** 70))
    assert out["set"] == {1, 2} and out["counter"] == Counter("aab") and out["ba"] == bytearray(b"q")
    assert isinstance(out["size"], reograd.Size) and out["size"] == (2, 3)
    assert out["dev"] == reograd.device("cpu") and out["dtype"] is reograd.float16
    assert "bfloat16" in repr(out["bfloat"]) and np.isnan(out["nan"]) and out["od"] == OrderedDict(a=1)
    assert out["str"] == "üñí" and out[7] == "int key" and out[(1, 2)] == "tuple key"


def test_parameters_and_requires_grad():
    p = torch.nn.Parameter(torch.randn(3))
    out = load_quiet(torch_file({"p": p, "frozen": torch.nn.Parameter(torch.ones(2), requires_grad=False),
                                 "leaf": torch.ones(2, requires_grad=True), "plain": torch.ones(2)}))
    assert out["p"].requires_grad and out["leaf"].requires_grad
    assert not out["frozen"].requires_grad and not out["plain"].requires_grad
    np.testing.assert_array_equal(out["p"].detach().numpy(), p.detach().numpy())


def test_tensor_attributes_ride_along():
    t = torch.ones(2)
    t.note = "hello"
    out = load_quiet(torch_file({"t": t}))
    assert out["t"].note == "hello"


def _byteswapped(buf, t):
    """The zip checkpoint of the one tensor ``t`` as written on a big-endian machine: its storage byte-swapped
    per scalar (per component for complex), byteorder record 'big'."""
    unit = t.element_size() // (2 if t.dtype.is_complex else 1)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin:
        members = {n: zin.read(n) for n in zin.namelist()}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
        for n, data in members.items():
            if n.startswith("archive/data/"):
                data = np.frombuffer(data, dtype=f"<u{unit}").byteswap().tobytes()
            if n == "archive/byteorder":
                data = b"big"
            zout.writestr(n, data)
    out.seek(0)
    return out


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int16, torch.complex64, torch.bfloat16])
def test_big_endian_files(dtype):
    t = sample(dtype, (3, 4))
    big = _byteswapped(torch_file({"t": t}), t)
    np.testing.assert_array_equal(torch.load(io.BytesIO(big.getvalue()), weights_only=True)["t"].numpy()
                                  if dtype != torch.bfloat16 else reference(t), reference(t))  # torch agrees
    np.testing.assert_array_equal(load_quiet(big)["t"].numpy(), reference(t))


def test_no_byteorder_record_means_little_endian():
    buf = torch_file({"t": torch.arange(5.0)})
    with zipfile.ZipFile(buf) as zin:
        members = {n: zin.read(n) for n in zin.namelist() if not n.endswith("byteorder")}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for n, d in members.items():
            zout.writestr(n, d)
    assert reograd.load(io.BytesIO(out.getvalue()))["t"].tolist() == [0, 1, 2, 3, 4]


def legacy_tar(tensors, obj_pickle_of):
    """A checkpoint in PyTorch's pre-0.4 tar format, written from the layout ``torch.load`` reads: members
    ``sys_info``, ``storages`` (count, (key, location, type) + int64 count + bytes each, views), ``tensors``
    (count, (key, storage key, type) + ndim/sizes/strides/offset each) and ``pickle`` (persistent ids = keys)."""
    def p(o):
        return pickle.dumps(o, protocol=2)

    storages = p(len(tensors))
    tensor_rec = p(len(tensors))
    for i, t in enumerate(tensors):
        name = {torch.float32: "FloatStorage", torch.int64: "LongStorage"}[t.dtype]
        # (key, location, storage type): the type pickled as the global torch.<Name>Storage
        record = b"\x80\x02K" + bytes([i]) + b"X\x03\x00\x00\x00cpuc" + f"torch\n{name}\n".encode() + b"\x87."
        storages += record + struct.pack("<q", t.numel()) + t.contiguous().numpy().tobytes()
        tensor_rec += p((100 + i, i, "torch.FloatTensor")) + struct.pack("<ii", t.dim(), 0) + \
            struct.pack(f"<{t.dim()}q", *t.shape) + struct.pack(f"<{t.dim()}q", *t.contiguous().stride()) + \
            struct.pack("<q", 0)
    storages += p([])
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:", format=tarfile.PAX_FORMAT) as tar:
        for name, data in [("sys_info", p({"little_endian": True})), ("storages", storages), ("tensors", tensor_rec),
                           ("pickle", obj_pickle_of)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    out.seek(0)
    return out


def _pickle_with_pids(obj, pid_of):
    class P(pickle.Pickler):
        def persistent_id(self, o):
            return pid_of(o)
    buf = io.BytesIO()
    P(buf, protocol=2).dump(obj)
    return buf.getvalue()


def test_legacy_tar_format(tmp_path):
    a, b = torch.randn(2, 3), torch.arange(4)
    objs = {id(a): 100, id(b): 101}
    pkl = _pickle_with_pids({"a": a, "b": [b, "x"]}, lambda o: objs.get(id(o)))
    path = tmp_path / "old.tar.pt"
    path.write_bytes(legacy_tar([a, b], pkl).getvalue())
    ref = torch.load(path, weights_only=False)  # PyTorch's own reader agrees on this file
    out = reograd.load(path)
    np.testing.assert_array_equal(out["a"].numpy(), ref["a"].numpy())
    np.testing.assert_array_equal(out["b"][0].numpy(), ref["b"][0].numpy())
    assert out["b"][1] == "x" and out["b"][0].dtype == reograd.int64


def test_map_location_forms(tmp_path):
    path = tmp_path / "m.pt"
    w = torch.arange(3.0)
    torch.save({"w": w, "v": w[1:]}, path)
    for loc in ["cpu", reograd.device("cpu"), {"cpu": "cpu"}, None]:
        assert reograd.load(path, map_location=loc)["w"].tolist() == [0, 1, 2]
    seen = []

    def fn(storage, location):
        seen.append((tuple(storage.shape), location))
        return storage

    out = reograd.load(path, map_location=fn)
    assert seen == [((3,), "cpu")] and np.shares_memory(out["w"].numpy(), out["v"].numpy())
    assert reograd.load(path, map_location=lambda s, loc: None)["v"].tolist() == [1, 2]
    with pytest.raises(TypeError, match="map_location returned"):
        reograd.load(path, map_location=lambda s, loc: "elsewhere")
    with pytest.raises(ZeroDivisionError):  # the caller's own error comes through unchanged
        reograd.load(path, map_location=lambda s, loc: 1 / 0)


def test_cuda_saved_file_needs_map_location_without_a_gpu(tmp_path):
    buf = torch_file({"w": torch.ones(2)})
    with zipfile.ZipFile(buf) as zin:
        members = {n: zin.read(n) for n in zin.namelist()}
    pkl = members["archive/data.pkl"]
    members["archive/data.pkl"] = pkl.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
    path = tmp_path / "gpu.pt"
    with zipfile.ZipFile(path, "w") as zout:
        for n, d in members.items():
            zout.writestr(n, d)
    if reograd.cuda.is_available():
        pytest.skip("a GPU is available here")
    with pytest.raises(RuntimeError, match="CUDA is not available.*map_location"):
        reograd.load(path)
    assert reograd.load(path, map_location="cpu")["w"].tolist() == [1, 1]


def test_mmap(tmp_path):
    path = tmp_path / "big.pt"
    t = torch.randn(256, 64)
    torch.save({"t": t, "half": t[128:]}, path)
    out = reograd.load(path, mmap=True)
    np.testing.assert_array_equal(out["t"].numpy(), t.numpy())
    arr = out["t"].numpy()
    while not isinstance(arr, np.memmap) and arr.base is not None:
        arr = arr.base
    assert isinstance(arr, np.memmap)
    assert np.shares_memory(out["t"].numpy(), out["half"].numpy())
    out["t"][0, 0] = 5.0  # copy-on-write: the file is not changed
    assert torch.load(path, weights_only=True)["t"][0, 0].item() == t[0, 0].item()
    with pytest.raises(ValueError, match="mmap=True needs f to be a file path"):
        reograd.load(io.BytesIO(path.read_bytes()), mmap=True)
    legacy = tmp_path / "legacy.pt"
    torch.save({"t": t}, legacy, _use_new_zipfile_serialization=False)
    with pytest.raises(CheckpointError, match="mmap=True needs a zip checkpoint"):
        reograd.load(legacy, mmap=True)


def test_file_objects_and_streams(tmp_path):
    buf = torch_file({"w": torch.arange(2.0)})

    class Stream:  # readable, not seekable
        def __init__(self, data):
            self.data = io.BytesIO(data)

        def read(self, n=-1):
            return self.data.read(n)

    assert reograd.load(Stream(buf.getvalue()))["w"].tolist() == [0, 1]
    with open(tmp_path / "f.pt", "wb") as f:
        torch.save([1, 2], f)
    with open(tmp_path / "f.pt", "rb") as f:
        assert reograd.load(f, weights_only=False) == [1, 2]


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")  # torch's own deprecations
def test_what_reograd_cannot_hold_is_refused_clearly(tmp_path):
    q = torch.quantize_per_tensor(torch.randn(4), 0.1, 0, torch.qint8)
    with pytest.raises(CheckpointError, match="cannot load .*quantized tensor"):
        reograd.load(torch_file({"q": q}))
    with pytest.raises(CheckpointError, match="cannot load .*sparse"):
        reograd.load(torch_file({"s": torch.eye(3).to_sparse()}))
    script = tmp_path / "script.pt"
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), script)
    with pytest.raises(CheckpointError, match="TorchScript archive"):
        reograd.load(script)
    with pytest.raises(RuntimeError, match="pickle_module is not supported"):
        reograd.load(torch_file([1]), pickle_module=object())


def test_python2_style_strings_with_encoding():
    # protocol 2 pickles of Python 2 'str' are BINSTRING/SHORT_BINSTRING: decoded with the given encoding
    buf = torch_file({"w": torch.ones(1)})
    with zipfile.ZipFile(buf) as zin:
        members = {n: zin.read(n) for n in zin.namelist()}
    members["archive/data.pkl"] = members["archive/data.pkl"].replace(b"X\x01\x00\x00\x00w", b"U\x01\xe9")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for n, d in members.items():
            zout.writestr(n, d)
    assert list(reograd.load(io.BytesIO(out.getvalue()), encoding="latin1")) == ["é"]
