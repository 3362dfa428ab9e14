"""API keys: ``Authorization: Bearer <key>``, kept as SHA-256 hashes, compared in constant time, never logged.

A key is written ``KEY`` (every scope) or ``KEY:scope+scope``: one a line in a keys file (``#`` starts a comment),
or comma-separated in ``STAFFING_FORECAST_API_KEYS``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

__all__ = ["ENV", "SCOPES", "ApiKeys", "load_keys", "parse_keys"]

#: The scopes a key can hold: ``read`` (aggregates, small cells withheld), ``employer`` (employer-level rows and
#: every cell), ``whatif`` (``POST /v1/quota``), ``forecast`` (``POST /v1/forecast``).
SCOPES = ("read", "employer", "whatif", "forecast")

#: The environment variable holding keys, comma-separated.
ENV = "STAFFING_FORECAST_API_KEYS"

_MIN_LENGTH = 16


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


@dataclass(frozen=True)
class ApiKeys:
    """The accepted keys as hashes with their scopes.

    Examples
    --------
    >>> keys = parse_keys(["reader-key-0123456789:read", "admin-key-0123456789"])
    >>> keys.scopes("reader-key-0123456789"), len(keys.scopes("admin-key-0123456789"))
    (frozenset({'read'}), 4)
    >>> keys.scopes("wrong") is None
    True
    """

    entries: tuple[tuple[bytes, frozenset[str]], ...]

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:  # the hashes stay out of logs and tracebacks too
        return f"ApiKeys({len(self.entries)} keys)"

    def scopes(self, key: str) -> frozenset[str] | None:
        """Return the scopes of ``key``, or ``None`` when it is not a key.

        Every stored hash is compared, each in constant time, so the answer takes as long for any key.
        """
        digest = _digest(key)
        found: frozenset[str] | None = None
        for stored, scopes in self.entries:
            if hmac.compare_digest(stored, digest):
                found = scopes
        return found


def parse_keys(items: Iterable[str], where: str = "the keys") -> ApiKeys:
    """Read ``KEY`` and ``KEY:scope+scope`` items (blank items and ``#`` comments skipped).

    Raises
    ------
    ConfigError
        An unknown scope, a key shorter than 16 characters, or a key given twice; the message names the item's
        position and the fix, never the key itself.

    Examples
    --------
    >>> parse_keys(["short:read"])
    Traceback (most recent call last):
    ...
    staffing_forecast.errors.ConfigError: the keys, item 1: a key must have at least 16 characters; generate one with: python -c "import secrets; print(secrets.token_urlsafe(32))".
    """
    entries: list[tuple[bytes, frozenset[str]]] = []
    seen: set[bytes] = set()
    for number, raw in enumerate(items, start=1):
        item = raw.split("#", 1)[0].strip()
        if not item:
            continue
        key, _, scope_text = item.partition(":")
        key = key.strip()
        if len(key) < _MIN_LENGTH:
            raise ConfigError(
                f"{where}, item {number}: a key must have at least {_MIN_LENGTH} characters; generate one with: "
                'python -c "import secrets; print(secrets.token_urlsafe(32))".'
            )
        scopes = (
            frozenset(s.strip() for s in scope_text.split("+") if s.strip())
            if scope_text
            else frozenset(SCOPES)
        )
        unknown = sorted(scopes - set(SCOPES))
        if unknown or not scopes:
            raise ConfigError(
                f"{where}, item {number}: unknown scope {', '.join(unknown) or '(none)'}; write KEY or "
                f"KEY:scope+scope with scopes among {', '.join(SCOPES)}."
            )
        digest = _digest(key)
        if digest in seen:
            raise ConfigError(f"{where}, item {number}: this key is listed twice; keep one line per key.")
        seen.add(digest)
        entries.append((digest, scopes))
    return ApiKeys(tuple(entries))


def load_keys(file: str | os.PathLike[str] | None = None, environ: dict[str, str] | None = None) -> ApiKeys:
    """Read the keys of a keys file (one ``KEY[:scope+scope]`` a line) and of ``STAFFING_FORECAST_API_KEYS``.

    Raises
    ------
    ConfigError
        No key at all (the service refuses to start without one), an unreadable file, or a malformed item.

    Examples
    --------
    >>> load_keys(environ={"STAFFING_FORECAST_API_KEYS": "reader-key-0123456789:read"})
    ApiKeys(1 keys)
    """
    environ = dict(os.environ) if environ is None else environ
    entries: list[tuple[bytes, frozenset[str]]] = []
    if file is not None:
        try:
            lines = Path(file).read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise ConfigError(
                f"--api-keys-file {file}: {error.strerror or error}; give a readable file."
            ) from None
        entries.extend(parse_keys(lines, where=f"--api-keys-file {file}").entries)
    env_text = environ.get(ENV, "")
    if env_text.strip():
        entries.extend(parse_keys(env_text.split(","), where=ENV).entries)
    if not entries:
        raise ConfigError(
            f"no API keys: pass --api-keys-file FILE (one KEY[:scope+scope] a line) or set {ENV}; the service "
            "does not start without keys."
        )
    merged: dict[bytes, frozenset[str]] = {}
    for digest, scopes in entries:  # a key in both places holds the scopes of both
        merged[digest] = merged.get(digest, frozenset()) | scopes
    return ApiKeys(tuple(merged.items()))
