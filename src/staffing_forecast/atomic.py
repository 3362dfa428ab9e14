"""Temporary names for files written whole or not at all: unique per process and call, and recognisable.

A writer stages a file under :func:`temp_path` beside its final name and renames it into place. The name holds
the writer's process id, so two writers never share a staging file, and a clean-up can tell a file whose writer
is gone (:func:`owner`) from one still being written.

Examples
--------
>>> from pathlib import Path
>>> staged = temp_path(Path("out/quota.xlsx"))
>>> staged.parent, staged.name.startswith(".quota.xlsx."), staged.suffix
(PosixPath('out'), True, '.tmp')
>>> owner(staged) == os.getpid()
True
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

__all__ = ["owner", "temp_path"]

#: ``.<name>.<pid>-<random>.tmp``; ``.<name>.<pid>.tmp`` and ``.<name>.tmp`` are the older forms.
_TEMP = re.compile(r"^\..+?(?:\.(?P<pid>\d+)(?:-[0-9a-f]+)?)?\.tmp$")


def temp_path(path: Path) -> Path:
    """Return a staging name beside ``path`` that no other writer uses: ``.<name>.<pid>-<random>.tmp``."""
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def owner(path: Path) -> int | None:
    """Return the process id that staged ``path``, ``0`` for a staging name without one, ``None`` for other files.

    Examples
    --------
    >>> owner(Path(".forecast.xlsx.4242-0a1b2c3d.tmp")), owner(Path(".forecast.xlsx.tmp")), owner(Path("a.tmp"))
    (4242, 0, None)
    """
    found = _TEMP.match(path.name)
    if found is None:
        return None
    return int(found["pid"]) if found["pid"] else 0
