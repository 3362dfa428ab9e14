"""What every part of the run store shares: its names, its errors, whole-file writes and checksums."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._version import __version__
from ..atomic import temp_path
from ..errors import ConfigError

__all__ = [
    "FORMAT",
    "DamagedRunError",
    "RunFiles",
    "RunFolder",
    "StoreError",
    "write_atomic",
    "write_figure",
    "write_parquet",
]

#: Version of the run folder's layout; a reader refuses other versions. 2: the manifest lists every file's
#: size and SHA-256.
FORMAT = 2

#: Files of a run folder that change after the run completes or are not part of its result: never checksummed.
UNCHECKED = ("manifest.json", "run.log")

#: The folder of a run's finished tasks (for ``--resume``); removed once the run completes.
CHUNKS = "chunks"

#: Where ``prune`` moves a run before deleting it, so a run is either listed whole or not at all.
PRUNING = ".pruning"


class StoreError(ConfigError):
    """The run store cannot be used: not writable, full, locked by another job, or a run of another format."""


class DamagedRunError(StoreError):
    """A file of a complete run differs from what its manifest recorded (truncated, altered or missing).

    Attributes ``run`` and ``file`` name the run and the file (relative to the run's folder).
    """

    def __init__(self, run: str, file: str, reason: str, folder: Path) -> None:
        super().__init__(
            f"run {run}: {file} is damaged ({reason}); run the job again, or restore {folder / file} from a backup "
            f"(staffing-forecast runs verify {run} --store {folder.parent.parent} checks every file)."
        )
        self.run = run
        self.file = file
        self.reason = reason


def library_version() -> str:
    """Return the version of this library, as a run's manifest records it."""
    return __version__


def now() -> str:
    """Return the time now in UTC, to the second, as ISO 8601 text."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def os_failure(action: str, path: Path, error: OSError) -> StoreError:
    """Turn a failing disk (full, read-only, no permission) into a :class:`StoreError` that says what to do."""
    return StoreError(
        f"cannot {action} {path}: {error.strerror or error}; free space, or choose a writable --out."
    )


@contextlib.contextmanager
def writing(what: Path) -> Iterator[None]:
    """Turn any ``OSError`` raised inside (a full disk in a workbook writer, a read-only store) into a StoreError."""
    try:
        yield
    except OSError as error:
        raise os_failure("write", Path(error.filename) if error.filename else what, error) from None


def staged_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write`` on a unique temporary name beside ``path``, then rename it into place; a failure leaves nothing."""
    staged = temp_path(path)
    try:
        write(staged)
        os.replace(staged, path)
    except OSError as error:
        raise os_failure("write", path, error) from None
    finally:
        with contextlib.suppress(OSError):
            staged.unlink(missing_ok=True)
    return path


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write a file whole or not at all: a unique temporary name in the same folder, then a rename."""
    if isinstance(data, str):
        return staged_write(path, lambda staged: staged.write_text(data, encoding="utf-8"))
    return staged_write(path, lambda staged: staged.write_bytes(data))


def write_parquet(frame: Any, path: Path) -> Path:
    """Write a frame as Parquet (no index), whole or not at all."""
    return staged_write(path, lambda staged: frame.to_parquet(staged, index=False))


def write_figure(figure: Any, path: Path, dpi: int = 100) -> Path:
    """Save a matplotlib figure as PNG, whole or not at all (a unique temporary name, then a rename)."""
    return staged_write(path, lambda staged: figure.savefig(staged, format="png", dpi=dpi))


def checksum(path: Path) -> dict[str, Any]:
    """Return a file's ``size`` (bytes) and ``sha256`` (hex), as the manifest records them.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = path.write_bytes(b"abc")
    >>> checksum(path)["size"], checksum(path)["sha256"][:12]
    (3, 'ba7816bf8f01')
    """
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
            size += len(block)
    return {"size": size, "sha256": digest.hexdigest()}


def result_files(folder: Path) -> list[str]:
    """Return the files of a run folder that belong to its result, relative to it (``/``-separated), sorted."""
    out = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if not path.is_file() or relative.parts[0] == CHUNKS or str(relative) in UNCHECKED:
            continue
        if any(part.startswith(".") for part in relative.parts):  # staging files of a writer
            continue
        out.append(relative.as_posix())
    return sorted(out)


def alive(pid: int, host: str) -> bool:
    """Whether a process still runs; one on another machine is assumed to."""
    if host != socket.gethostname():
        return True
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate it there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def read_json(path: Path) -> dict[str, Any] | None:
    """Read a JSON object, or ``None`` when the file is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class RunFiles:
    """The files of a run folder an official opens, for classes with ``path`` (the folder) and ``manifest``."""

    path: Path
    manifest: dict[str, Any]

    @property
    def workbooks(self) -> list[Path]:
        """The workbooks written for officials."""
        return sorted(self.path.glob("*.xlsx"))

    @property
    def plots(self) -> list[Path]:
        """The pictures in ``plots/`` (PNG), as the manifest's ``plots.files`` lists them."""
        return [self.path / name for name in self.manifest.get("plots", {}).get("files", [])]


class RunFolder(RunFiles):
    """One run's folder and its manifest; every change of the manifest is written at once, atomically."""

    def __init__(self, path: Path, manifest: dict[str, Any]) -> None:
        self.path = path
        self.manifest = manifest

    @property
    def id(self) -> str:
        """The run's id: the name of its folder."""
        return self.path.name

    def save(self, **changes: Any) -> None:
        """Update the manifest with ``changes`` and write it atomically."""
        self.manifest.update(changes)
        write_atomic(
            self.path / "manifest.json", json.dumps(self.manifest, ensure_ascii=False, indent=1, default=str)
        )

    def file(self, name: str) -> Path:
        """Return the path of the file ``name`` in the run folder."""
        return self.path / name

    def seal(self) -> dict[str, dict[str, Any]]:
        """Return the size and SHA-256 of every result file, as the manifest records them when the run completes."""
        return {name: checksum(self.file(name)) for name in result_files(self.path)}
