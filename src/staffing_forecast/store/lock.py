"""The store's lock: an operating-system lock on an open ``lock.json``, which also tells people who holds it."""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path
from typing import Any

from .layout import StoreError, now, os_failure, read_json

__all__ = ["StoreLock"]

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


class StoreLock:
    """Hold a run store for one job.

    The lock is the operating system's lock (``flock``) on the open file ``lock.json``: the kernel gives it to
    one process at a time and drops it when that process ends, however it ends, so a killed job never blocks the
    next one and two jobs can never both hold it. The file's text (pid, host, run, since) is only for people. A
    holder deletes the file before letting go; a taker that locked a file deleted meanwhile lets go and tries
    again, so the lock is always on the one file named ``lock.json``.

    Examples
    --------
    >>> import tempfile
    >>> first, second = StoreLock(Path(tempfile.mkdtemp()) / "lock.json"), None
    >>> first.acquire()
    >>> second = StoreLock(first.path)
    >>> try:
    ...     second.acquire()
    ... except StoreError as error:
    ...     print("in use by run" in str(error))
    True
    >>> first.release(); second.acquire(); second.release()
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None
        self.holder: dict[str, Any] = {}

    def acquire(self, run: str | None = None) -> None:
        """Take the lock or raise a :class:`StoreError` naming its holder."""
        for _ in range(100):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as error:
                raise os_failure("lock the run store at", self.path, error) from None
            if not _try_lock(fd):
                os.close(fd)
                raise self._in_use()
            if self._is_current(fd):
                break
            os.close(fd)  # its holder deleted it while letting go: lock the file now named lock.json
        else:
            raise StoreError(f"{self.path}: could not take the lock; try again.")
        self.fd = fd
        self.holder = {"pid": os.getpid(), "host": socket.gethostname(), "run": run, "since": now()}
        try:
            self._write()
        except OSError as error:
            self.release()
            raise os_failure("write the lock", self.path, error) from None

    def name(self, run: str) -> None:
        """Record the run holding the store in ``lock.json``."""
        self.holder["run"] = run
        try:
            self._write()
        except OSError as error:
            raise os_failure("write the lock", self.path, error) from None

    def release(self) -> None:
        """Delete ``lock.json`` and let go of the lock."""
        if self.fd is None:
            return
        try:
            if self._is_current(self.fd):
                self.path.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only store: the kernel's lock still goes with the descriptor
        finally:
            os.close(self.fd)
            self.fd = None

    def _write(self) -> None:
        # In place, never by rename: a new file would be a new lock that another job could take.
        assert self.fd is not None
        data = json.dumps(self.holder).encode()
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data, 0)
        os.fsync(self.fd)

    def _is_current(self, fd: int) -> bool:
        try:
            return os.path.samestat(os.fstat(fd), os.stat(self.path))
        except FileNotFoundError:
            return False

    def _in_use(self) -> StoreError:
        holder = read_json(self.path) or {}
        return StoreError(
            f"{self.path.parent} is in use by run {holder.get('run')} (process {holder.get('pid')} on "
            f"{holder.get('host')}, since {holder.get('since')}); wait for it to finish, or use another --out."
        )
