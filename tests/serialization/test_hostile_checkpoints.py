"""Hostile and broken checkpoints: pickles that would run code (refused, nothing executed -- a marker file
is never created, while the same payload does create it under plain ``pickle.loads``), reograd files with
absurd nesting, sizes or compression, PyTorch files with out-of-bounds views or absurd storage sizes; each
refused with one clear ``CheckpointError`` naming the file, before anything large is allocated. Then fuzzing:
random damage to valid files of both formats gives a loaded object or that error, nothing else."""
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import tarfile
import time
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reograd
from reograd.serialization import CheckpointError, UnsafeGlobalError

MAGIC = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)


def torch_zip(pkl, members=None, compress=zipfile.ZIP_STORED, byteorder=b"little"):
    """A PyTorch-layout zip checkpoint with ``pkl`` as its data.pkl (and extra members)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("archive/data.pkl"), pkl, compress_type=compress)
        zf.writestr("archive/byteorder", byteorder)
        for name, data in (members or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def legacy(pkl, tail=b""):
    """A PyTorch legacy-format checkpoint whose object pickle is ``pkl``."""
    return MAGIC + pickle.dumps(1001, protocol=2) + pickle.dumps({"little_endian": True}, protocol=2) + pkl + tail


def tar(pkl):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:") as tf:
        for name, data in [("storages", pickle.dumps(0) + pickle.dumps([])), ("tensors", pickle.dumps(0)),
                           ("pickle", pkl)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


CONTAINERS = {"raw pickle": lambda p: p, "torch zip": torch_zip, "legacy": legacy, "tar": tar}


# --------------------------------------------------------------------------------------
# pickles that would run code
# --------------------------------------------------------------------------------------
class _Reduce:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _short_str(text):
    return b"\x8c" + bytes([len(text)]) + text.encode()


def payloads(marker):
    """``{name: (pickle bytes, the global the refusal names)}``: each creates ``marker`` when unpickled normally."""
    m = str(marker)
    touch = f"touch {m}"
    opener = f"open({m!r}, 'w').close()"
    return {
        "os.system (protocol 0)": (f"cos\nsystem\n(S'{touch}'\ntR.".encode(), "os.system"),
        "os.system via __reduce__": (pickle.dumps(_Reduce(os.system, (touch,)), protocol=2),
                                     f"{os.system.__module__}.system"),
        "builtins.eval": (f"cbuiltins\neval\n(S\"{opener}\"\ntR.".encode(), "builtins.eval"),
        "builtins.exec (protocol 4)": (pickle.dumps(_Reduce(exec, (opener,)), protocol=4), "builtins.exec"),
        "getattr chain": (f"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(S'os'\ntRS'system'\ntR(S'{touch}'\ntR."
                          .encode(), "builtins.getattr"),
        "python 2 __builtin__.eval": (f"c__builtin__\neval\n(S\"{opener}\"\ntR.".encode(), "builtins.eval"),
        "subprocess": (pickle.dumps(_Reduce(subprocess.call, (["touch", m],)), protocol=2), "subprocess.call"),
        "INST opcode": (f"(S'{touch}'\nios\nsystem\n.".encode(), "os.system"),
        "STACK_GLOBAL attribute path": (b"\x80\x04" + _short_str("builtins") + _short_str("__dict__.get.__self__") +
                                        b"\x93.", "builtins.__dict__.get.__self__"),
        "nested pickle.loads": (pickle.dumps(_Reduce(pickle.loads, (pickle.dumps(_Reduce(os.system, (touch,))),)),
                                             protocol=2), "pickle.loads"),
    }


def _live(payload, marker, tmp_path):
    """True if ``payload`` really creates ``marker`` under plain pickle (run in a child process)."""
    code = "import pickle, sys; pickle.loads(sys.stdin.buffer.read())"
    subprocess.run([sys.executable, "-c", code], input=payload, cwd=tmp_path, capture_output=True, timeout=60)
    created = marker.exists()
    if created:
        marker.unlink()
    return created


@pytest.mark.parametrize("container", CONTAINERS)
def test_code_running_pickles_are_refused_and_nothing_runs(container, tmp_path):
    marker = tmp_path / "pwned"
    for name, (payload, global_name) in payloads(marker).items():
        if name != "STACK_GLOBAL attribute path" and container == "raw pickle":
            assert _live(payload, marker, tmp_path), f"{name}: the payload should be live under plain pickle"
        path = tmp_path / "evil.pt"
        path.write_bytes(CONTAINERS[container](payload))
        with pytest.raises(UnsafeGlobalError) as e:
            reograd.load(path)
        msg = str(e.value)
        assert f"'{global_name}'" in msg and str(path) in msg and "nothing from it was run" in msg, (name, msg)
        assert isinstance(e.value, pickle.UnpicklingError) and isinstance(e.value, RuntimeError)
        assert not marker.exists(), f"{name} in {container}: code from the file ran"


def test_refusal_hints():
    class Net:  # a whole pickled model / script class
        pass

    model = b"\x80\x02ctorch.nn.modules.linear\nLinear\n)\x81."
    with pytest.raises(UnsafeGlobalError, match=r"torch.nn.modules.linear.Linear.*state_dict\(\)"):
        reograd.load(io.BytesIO(torch_zip(model)))
    with pytest.raises(UnsafeGlobalError, match=r"numpy.core.multiarray._reconstruct.*NumPy"):
        reograd.load(io.BytesIO(torch_zip(b"\x80\x02cnumpy.core.multiarray\n_reconstruct\n.")))
    with pytest.raises(UnsafeGlobalError, match="add_safe_globals"):
        reograd.load(io.BytesIO(torch_zip(b"\x80\x02c__main__\nNet\n)\x81.")))
    del Net


def test_allowed_globals_cannot_be_abused():
    dtype_state = b"\x80\x02ctorch\nfloat32\n}X\x04\x00\x00\x00nameX\x04\x00\x00\x00evilsb."  # BUILD on a dtype
    with pytest.raises(CheckpointError, match="sets the state of a dtype"):
        reograd.load(io.BytesIO(torch_zip(dtype_state)))
    assert reograd.float32.name == "float32"
    with pytest.raises(CheckpointError, match="not an allowed function"):  # calling a non-callable value
        reograd.load(io.BytesIO(torch_zip(b"\x80\x02ctorch\nfloat32\n)R.")))
    with pytest.raises(CheckpointError, match="adds items to a Size"):  # APPEND onto a tuple subclass
        reograd.load(io.BytesIO(torch_zip(b"\x80\x02ctorch\nSize\n)RK\x01a.")))
    with pytest.raises(CheckpointError, match="bytearray of a size"):  # bytearray(10**12) would allocate
        reograd.load(io.BytesIO(torch_zip(b"\x80\x02cbuiltins\nbytearray\n\x8a\x06\x00\x10\xa5\xd4\xe8\x00\x85R.")))
    with pytest.raises(CheckpointError, match="latin-1"):
        reograd.load(io.BytesIO(torch_zip(b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x04\x00\x00\x00zlib\x86R.")))
    with pytest.raises(CheckpointError, match="unregistered extension|extension"):
        reograd.load(io.BytesIO(torch_zip(b"\x80\x02\x82\x01.")))


def test_safe_globals_allow_a_trusted_class(tmp_path):
    import argparse

    path = tmp_path / "args.pt"
    path.write_bytes(torch_zip(pickle.dumps({"args": argparse.Namespace(lr=0.1)}, protocol=2)))
    with pytest.raises(UnsafeGlobalError, match="argparse.Namespace"):
        reograd.load(path)
    with reograd.serialization.safe_globals([argparse.Namespace]):
        assert reograd.load(path)["args"].lr == 0.1
        assert argparse.Namespace in reograd.serialization.get_safe_globals()
    with pytest.raises(UnsafeGlobalError):
        reograd.load(path)
    reograd.serialization.add_safe_globals([(argparse.Namespace, "argparse.Namespace")])
    try:
        assert reograd.load(path)["args"].lr == 0.1
    finally:
        reograd.serialization.clear_safe_globals()
    assert reograd.serialization.get_safe_globals() == []
    with pytest.raises(TypeError, match="module.name"):
        reograd.serialization.add_safe_globals([(argparse.Namespace, 3)])


# --------------------------------------------------------------------------------------
# reograd's own format
# --------------------------------------------------------------------------------------
def native_zip(manifest, members=(), compress=zipfile.ZIP_STORED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo("reograd/manifest.json"), manifest if isinstance(manifest, bytes) else
                    json.dumps(manifest).encode(), compress_type=compress)
        for name, data, *method in members:
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method[0] if method else zipfile.ZIP_STORED)
    return buf.getvalue()


def doc(root):
    return {"format": "reograd-checkpoint", "version": 1, "root": root}


def npy(shape, dtype="<f4", data=b""):
    header = {"descr": dtype, "fortran_order": False, "shape": tuple(shape)}
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + data


def tensor_node(shape, file="data/0.npy", dtype="float32"):
    return {"t": "tensor", "id": 0, "file": file, "dtype": dtype, "shape": list(shape), "requires_grad": False,
            "device": "cpu"}


def deep_manifest(levels):
    node = '{"t": "list", "items": [' * levels + "1" + "]}" * levels
    return ('{"format": "reograd-checkpoint", "version": 1, "root": %s}' % node).encode()


BOMB_SIZE = 64 * 2 ** 20  # 64 MB of zeros: about 64 KB compressed


NATIVE_CASES = {
    "manifest nested 5,000 levels": (lambda: native_zip(deep_manifest(5000)), "nests"),
    "manifest nested 300 levels": (lambda: native_zip(deep_manifest(300)), "nests containers more than 256"),
    ".npy header claiming 10**12 elements": (
        lambda: native_zip(doc(tensor_node([10 ** 12])), [("data/0.npy", npy([10 ** 12], data=b"\0" * 64))]),
        "header says float32 (1000000000000,)"),
    "manifest shape != .npy header": (
        lambda: native_zip(doc(tensor_node([3])), [("data/0.npy", npy([2], data=b"\0" * 8))]), "the manifest says"),
    "DEFLATE bomb member": (
        lambda: native_zip(doc(tensor_node([BOMB_SIZE // 4])),
                           [("data/0.npy", npy([BOMB_SIZE // 4]) + bytes(BOMB_SIZE), zipfile.ZIP_DEFLATED)]),
        "compressed (DEFLATE)"),
    "compressed manifest": (lambda: native_zip(doc(1), compress=zipfile.ZIP_DEFLATED), "compressed (DEFLATE)"),
    "object-dtype .npy": (lambda: native_zip(doc({"t": "ndarray", "file": "data/0.npy", "dtype": "|O", "shape": [1]}),
                                             [("data/0.npy", npy([1], "|O", b"\0" * 8))]), "not numeric"),
    "object-dtype .npy under a float manifest": (
        lambda: native_zip(doc(tensor_node([1])), [("data/0.npy", npy([1], "|O", b"\0" * 8))]), "numeric arrays only"),
    ".npy version 3": (lambda: native_zip(doc(tensor_node([1])), [("data/0.npy", b"\x93NUMPY\x03\x00" + b"\0" * 60)]),
                       "version (3, 0)"),
    "not an .npy member": (lambda: native_zip(doc(tensor_node([1])), [("data/0.npy", b"garbage" * 10)]),
                           "no valid .npy header"),
    "member missing": (lambda: native_zip(doc(tensor_node([1]))), "not in the archive"),
    "unknown node type": (lambda: native_zip(doc({"t": "os.system", "v": "rm -rf /"})), "unknown node type"),
    "unknown tensor reference": (lambda: native_zip(doc({"t": "ref", "id": 7})), "unknown tensor 7"),
    "items not a list": (lambda: native_zip(doc({"t": "list", "items": 5})), "without a list of items"),
    "dict item not a pair": (lambda: native_zip(doc({"t": "dict", "items": [[1]]})), "not a [key, value] pair"),
    "bad base64": (lambda: native_zip(doc({"t": "bytes", "v": "@@@"})), "Error"),
    "unknown dtype": (lambda: native_zip(doc(tensor_node([1], dtype="float128")), [("data/0.npy", npy([1]))]),
                      "unknown dtype"),
    "negative shape": (lambda: native_zip(doc(tensor_node([-1]))), "not in the archive|bad shape"),
    "requires_grad on an int tensor": (
        lambda: native_zip(doc(dict(tensor_node([1], dtype="int64"), requires_grad=True)),
                           [("data/0.npy", npy([1], "<i8", b"\0" * 8))]), "requires_grad on a int64"),
    "manifest not JSON": (lambda: native_zip(b"{not json"), "not valid JSON"),
    "manifest a JSON list": (lambda: native_zip(b"[1, 2]"), "not a reograd checkpoint manifest"),
    "newer format version": (lambda: native_zip({"format": "reograd-checkpoint", "version": 99, "root": 1}),
                             "newer than this reograd reads"),
    "empty file": (lambda: b"", "the file is empty"),
    "text file": (lambda: b"hello, world\n" * 10, "unrecognised format"),
    "a plain pickle": (lambda: pickle.dumps({"a": 1}), "not a PyTorch checkpoint"),
}


def refusal(path, data, reason):
    """The message of the CheckpointError loading ``data`` from ``path`` raises, checked to name the file and
    one of the ``|``-separated ``reason`` texts, quickly and without allocating much."""
    path.write_bytes(data)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(CheckpointError) as e:
            reograd.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    msg = str(e.value)
    assert str(path) in msg and any(r in msg for r in reason.split("|")), msg
    assert peak < 32 * 2 ** 20, f"{peak / 2 ** 20:.0f} MB allocated before refusing: {msg}"
    assert time.perf_counter() - t0 < 10
    return msg


@pytest.mark.parametrize("case", NATIVE_CASES)
def test_broken_reograd_files_are_refused_cleanly(case, tmp_path):
    make, reason = NATIVE_CASES[case]
    msg = refusal(tmp_path / "broken.pt", make(), reason)
    assert msg.startswith("reograd.load: not a reograd checkpoint or corrupt: "), msg


def test_members_past_the_end_renamed_or_too_many(tmp_path, monkeypatch):
    good = io.BytesIO()
    reograd.save({"w": reograd.arange(100.0)}, good)
    blob = good.getvalue()
    path = tmp_path / "bad.pt"
    # the central directory (at the end of the file) says the member is far longer than the file
    entry = blob.rindex(b"data/0.npy") - 46
    patched = bytearray(blob)
    patched[entry + 20:entry + 28] = struct.pack("<II", 10 ** 9, 10 ** 9)
    path.write_bytes(bytes(patched))
    with pytest.raises(CheckpointError, match="past the end of the file"):
        reograd.load(path)
    # the member's local header names another file than its central directory entry
    local = next(i for i in range(len(blob))
                 if blob.startswith(b"data/0.npy", i) and blob[i - 30:i - 26] == b"PK\x03\x04")
    path.write_bytes(blob[:local] + b"data/0.npz" + blob[local + 10:])
    with pytest.raises(CheckpointError, match="local header names another file"):
        reograd.load(path)
    monkeypatch.setattr("reograd.serialization._zip.MAX_ZIP_MEMBERS", 1)
    path.write_bytes(blob)
    with pytest.raises(CheckpointError, match="lists 2 members"):
        reograd.load(path)


# --------------------------------------------------------------------------------------
# PyTorch containers
# --------------------------------------------------------------------------------------
def _ops(value):
    """The pickle opcodes of one value (protocol 2), to splice into a hand-written pickle."""
    return pickle.dumps(value, protocol=2)[2:-1]


def _rebuild(numel, offset, size, stride, requires_grad=False, storage="FloatStorage"):
    """A data.pkl rebuilding one tensor on storage ``'0'`` (``numel`` elements), written by hand: the globals are
    PyTorch's names, which need not be importable here."""
    pid = b"(" + _ops("storage") + f"ctorch\n{storage}\n".encode() + _ops("0") + _ops("cpu") + _ops(numel) + b"tQ"
    return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(" + pid + _ops(offset) + _ops(tuple(size)) +
            _ops(tuple(stride)) + (b"\x88" if requires_grad else b"\x89") + b"tR.")


DATA = {"archive/data/0": b"\0" * 12}  # a storage of 3 float32
TORCH_CASES = {
    "view past the storage": (lambda: torch_zip(_rebuild(3, 0, (10,), (1,)), DATA),
                              "reaches element 9 of storage 0, which holds 3"),
    "huge stride": (lambda: torch_zip(_rebuild(3, 0, (2,), (10 ** 15,)), DATA), "reaches element"),
    "negative stride": (lambda: torch_zip(_rebuild(3, 2, (2,), (-1,)), DATA), "invalid layout"),
    "negative offset": (lambda: torch_zip(_rebuild(3, -1, (1,), (1,)), DATA), "invalid layout"),
    "storage of 10**12 elements": (lambda: torch_zip(_rebuild(10 ** 12, 0, (1,), (1,)), DATA),
                                   "declares 1000000000000 float32 elements"),
    "storage member missing": (lambda: torch_zip(_rebuild(3, 0, (3,), (1,))), "member archive/data/0 is missing"),
    "requires_grad on an int": (lambda: torch_zip(_rebuild(3, 0, (3,), (1,), True, "IntStorage"), DATA),
                                "int32 tensor is marked requires_grad"),
    "malformed persistent id": (lambda: torch_zip(b"\x80\x02X\x03\x00\x00\x00abcQ."), "unexpected persistent id"),
    "unknown storage class": (lambda: torch_zip(_rebuild(3, 0, (3,), (1,), storage="EvilStorage"), DATA),
                              "torch.EvilStorage"),
    "rebuild on a non-storage": (lambda: torch_zip(b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(K\x01K\x00)"
                                                   b")\x89tR."), "not on a storage"),
    "BINBYTES8 of 2**60 bytes": (lambda: torch_zip(b"\x80\x04\x8e" + struct.pack("<Q", 2 ** 60) + b"abc."),
                                 "truncated|UnpicklingError|EOF"),
    "byte order 'middle'": (lambda: torch_zip(b"\x80\x02K\x01.", byteorder=b"middle"), "byte order record"),
    "compressed data.pkl": (lambda: torch_zip(b"\x80\x02K\x01." * 10, compress=zipfile.ZIP_DEFLATED), "compressed"),
    "two data.pkl": (lambda: torch_zip(b"\x80\x02K\x01.", {"other/data.pkl": b"\x80\x02K\x02."}), "single PyTorch"),
    "legacy storage of 10**15 elements": (lambda: legacy(_rebuild(10 ** 15, 0, (1,), (1,)).replace(b"tQ", b"NtQ")),
                                          "more than the file holds"),
    "legacy data for an unknown storage": (lambda: legacy(b"\x80\x02K\x01.", pickle.dumps(["7"])),
                                           "which no tensor uses"),
    "legacy without storage keys": (lambda: legacy(b"\x80\x02K\x01."), "Error|truncated"),
    "legacy bad protocol version": (lambda: MAGIC + pickle.dumps(7), "protocol version"),
}


@pytest.mark.parametrize("case", TORCH_CASES)
def test_broken_pytorch_files_are_refused_cleanly(case, tmp_path):
    make, reason = TORCH_CASES[case]
    refusal(tmp_path / "broken.pth", make(), reason)


def test_deeply_nested_pickle_loads_without_recursion():
    depth = 100_000
    pkl = b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b"."  # [[[...]]]: iterative to unpickle
    out = reograd.load(io.BytesIO(torch_zip(pkl)))
    n = 0
    while out:
        out, n = out[0], n + 1
    assert n == depth - 1


# --------------------------------------------------------------------------------------
# fuzzing: random damage to valid files
# --------------------------------------------------------------------------------------
def _native_bytes():
    buf = io.BytesIO()
    reograd.save({"w": reograd.randn(6, 5), "b": [reograd.ones(3, dtype=reograd.int64), 1.5, "x"],
                  "n": {"deep": (reograd.zeros(2), b"\x00")}}, buf)
    return buf.getvalue()


def _torch_bytes():
    buf = io.BytesIO()
    base = reograd.randn(6, 5)
    reograd.save({"w": base, "v": base[1:, ::2], "i": reograd.arange(4), "meta": {"k": [1, 2.5, None]}}, buf,
                 format="torch")
    return buf.getvalue()


def _rezip(blob, member, mutate):
    """``blob`` with ``member``'s content replaced by ``mutate(content)`` (a valid zip, so CRCs pass)."""
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[member] = mutate(members[member])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    return out.getvalue()


def _load_or_clean_error(data):
    try:
        reograd.load(io.BytesIO(data))
    except CheckpointError as e:
        assert str(e).startswith("reograd.load: "), e


NATIVE, TORCH = _native_bytes(), _torch_bytes()
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
edits = st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=8)


def _apply(data, changes):
    data = bytearray(data)
    for where, value in changes:
        data[int(where * len(data))] = value
    return bytes(data)


@FUZZ
@given(changes=edits, cut=st.floats(0.05, 1.0))
def test_fuzz_damaged_bytes(changes, cut):
    for blob in (NATIVE, TORCH):
        _load_or_clean_error(_apply(blob, changes)[:max(1, int(cut * len(blob)))])


@FUZZ
@given(changes=edits)
def test_fuzz_damaged_structure(changes):
    # damage inside the structure members, the zip itself intact: what the CRC check cannot catch
    _load_or_clean_error(_rezip(NATIVE, "reograd/manifest.json", lambda d: _apply(d, changes)))
    _load_or_clean_error(_rezip(NATIVE, "data/0.npy", lambda d: _apply(d[:128], changes) + d[128:]))
    _load_or_clean_error(_rezip(TORCH, "archive/data.pkl", lambda d: _apply(d, changes)))


@FUZZ
@given(changes=edits)
def test_fuzz_damaged_legacy_pickles(changes):
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    base = torch.randn(4, 3)
    torch.save({"w": base, "v": base[1:], "k": [1, "a"]}, buf, _use_new_zipfile_serialization=False)
    _load_or_clean_error(_apply(buf.getvalue(), changes))
