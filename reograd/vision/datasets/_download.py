"""Downloading data files safely: to a temporary file in the target folder, checked against an MD5
checksum, then renamed into place (good data is never overwritten by a partial or wrong file)."""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request

__all__ = ["md5_bytes", "md5_file", "fetch_url", "download_file", "cache_dir"]


def cache_dir():
    """The per-user cache folder for data sets: ``$XDG_CACHE_HOME/reograd`` or ``~/.cache/reograd``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "reograd")


def md5_bytes(data):
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def md5_file(path, chunk_size=1 << 20):
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_url(url, dest, timeout=60):
    """Copy the resource at ``url`` into the (open) file path ``dest``. Raises OSError on failure."""
    req = urllib.request.Request(url, headers={"User-Agent": "reograd"})
    with urllib.request.urlopen(req, timeout=timeout) as r, open(dest, "wb") as f:  # noqa: S310 (http(s) mirrors)
        shutil.copyfileobj(r, f)


def download_file(filename, folder, md5, mirrors):
    """Download ``filename`` from the first mirror that serves it with the right checksum.

    The file is written to a temporary file in ``folder``, its MD5 compared with ``md5``, and only
    then renamed to ``folder/filename``. An existing file with the right checksum is kept as is.
    Returns the path; raises RuntimeError listing what each mirror did.
    """
    os.makedirs(folder, exist_ok=True)
    dest = os.path.join(folder, filename)
    if os.path.isfile(dest) and (md5 is None or md5_file(dest) == md5):
        return dest
    errors = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + filename
        fd, tmp = tempfile.mkstemp(prefix=f".{filename}.", suffix=".part", dir=folder)
        os.close(fd)
        try:
            fetch_url(url, tmp)
            got = md5_file(tmp)
            if md5 is not None and got != md5:
                errors.append(f"{url}: checksum mismatch (md5 {got}, expected {md5})")
                continue
            os.replace(tmp, dest)
            return dest
        except OSError as e:  # URLError, HTTPError, timeouts, disk errors
            errors.append(f"{url}: {e}")
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    raise RuntimeError(f"could not download {filename} into {folder}:\n  " + "\n  ".join(errors))
