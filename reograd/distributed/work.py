"""``Work``: the handle an ``async_op=True`` collective or ``isend``/``irecv`` returns.

The operation runs as a non-blocking MPI call (``MPI_Iallreduce``...); ``wait()`` blocks until it has
finished and makes its result visible in the tensors (staged copies written back, AVG divided),
``is_completed()`` asks without blocking. Until then the tensors' contents are undefined.
"""
from __future__ import annotations

import datetime
import time

from ._mpi import mpi

__all__ = ["Work", "Future"]


class Work:
    """A running collective or point-to-point transfer.

    ``wait(timeout=None)`` returns True once done (a RuntimeError if ``timeout`` passes first);
    ``is_completed()`` is True once done (and finishes the work); ``result()`` lists the output
    tensors; ``source_rank()`` is the sender of a finished ``irecv``.
    """

    def __init__(self, requests, op, finish=None, outputs=(), on_error=None, keep=None):
        self._requests = list(requests)
        self._keep = keep  # the buffers MPI reads or writes until the work completes
        self._on_error = on_error
        self._op = op
        self._finish = finish
        self._outputs = list(outputs)
        self._done = False
        self._error = None
        self._statuses = None
        self._source = -1

    def _complete(self):
        if self._done:
            return
        self._done = True
        if self._finish is not None:
            try:
                self._finish(self)
            except Exception as e:  # noqa: BLE001 (kept for exception(), then raised)
                self._error = e
        if self._error is not None:
            raise self._error

    def _statuses_for(self):
        if self._statuses is None:
            MPI = mpi()
            self._statuses = [MPI.Status() for _ in self._requests]
        return self._statuses

    def is_completed(self):
        """True if the operation has finished (its results are then in the tensors); never blocks."""
        if not self._done:
            MPI = mpi()
            try:
                if not MPI.Request.Testall(self._requests, self._statuses_for()):
                    return False
            except MPI.Exception as e:
                raise self._mpi_error(e) from None
            self._complete()
        return True

    def _mpi_error(self, e):
        why = f" ({self._on_error})" if self._on_error else ""
        return RuntimeError(f"{self._op}: MPI failed: {e.Get_error_string().splitlines()[0]}{why}")

    def wait(self, timeout=None):
        """Block until the operation has finished; returns True. ``timeout`` (seconds or a
        ``timedelta``): raise a RuntimeError naming the operation if it has not finished by then."""
        if self._done:
            if self._error is not None:
                raise self._error
            return True
        MPI = mpi()
        try:
            self._wait(MPI, timeout)
        except MPI.Exception as e:
            raise self._mpi_error(e) from None
        self._complete()
        return True

    def _wait(self, MPI, timeout):
        if timeout is None:
            MPI.Request.Waitall(self._requests, self._statuses_for())
        else:
            seconds = timeout.total_seconds() if isinstance(timeout, datetime.timedelta) else float(timeout)
            deadline = time.monotonic() + seconds
            pause = 1e-6
            while not MPI.Request.Testall(self._requests, self._statuses_for()):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self._op}: did not complete within {seconds:g} s (a rank may be "
                                       "missing from this collective, or still busy elsewhere)")
                time.sleep(pause)
                pause = min(pause * 2, 1e-3)

    synchronize = wait

    def is_success(self):
        """True if the operation finished without error."""
        return self.is_completed() and self._error is None

    def exception(self):
        """The error the operation ended with, or None."""
        return self._error

    def result(self):
        """The output tensors of the operation (after ``wait()``)."""
        return list(self._outputs)

    def get_future(self):
        """A :class:`Future` of this work: ``wait()`` waits for it and returns ``result()``."""
        return Future(self)

    def source_rank(self):
        """The global rank that sent the message a finished ``irecv`` received."""
        if not self._done:
            raise RuntimeError(f"{self._op}: source_rank() is known once the work has completed (call wait())")
        return self._source

    def __repr__(self):
        return f"Work({self._op}, completed={self._done})"


class CompletedWork(Work):
    """A Work that is already finished (a blocking call's, or one with nothing to do)."""

    def __init__(self, op, outputs=()):
        super().__init__((), op, None, outputs)
        self._done = True


class Future:
    """The result of a Work, as ``torch.futures.Future``: ``wait()`` blocks until the work is done and
    returns its output tensors; ``done()`` asks without blocking; ``then(fn)`` gives a Future of
    ``fn(this future)``, run when waited on."""

    def __init__(self, work, fn=None, parent=None):
        self._work, self._fn, self._parent = work, fn, parent
        self._value, self._has_value = None, False

    def wait(self):
        """Wait for the work and return its value."""
        if not self._has_value:
            if self._parent is not None:
                self._parent.wait()
                self._value = self._fn(self._parent)
            else:
                self._work.wait()
                self._value = self._work.result()
            self._has_value = True
        return self._value

    def value(self):
        """The value of a completed future (waits for it if needed)."""
        return self.wait()

    def done(self):
        """True once the work has completed."""
        return self._work.is_completed()

    def then(self, callback):
        """A Future of ``callback(self)``."""
        return Future(self._work, callback, self)
