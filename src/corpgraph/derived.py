"""Results derived from one graph version (the entity index, the counts of ``stats``), computed once
per version instead of once per command.

Each is kept twice: on the backend object for the rest of the command, and as JSON in the backend's
cache folder (``Backend.cache_dir()``: the store of a graph folder or of ``--store``), in a file named
after the graph version, so the next command of the same version reads it instead of asking the
engine again.  A file that cannot be read is computed again; one that cannot be written is skipped
(a read-only store still answers); deleting them loses nothing.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from .backend import Backend

T = TypeVar("T")

# Bump when the shape of a kept result changes, so files written by older code are not read.
FORMAT = 1

_MEMO: weakref.WeakKeyDictionary[Backend, dict[str, tuple[str, Any]]] = weakref.WeakKeyDictionary()


def kept(
    backend: Backend,
    name: str,
    build: Callable[[], T],
    to_json: Callable[[T], Any] = lambda value: value,
    from_json: Callable[[Any], T] = lambda data: data,
) -> T:
    """``build()`` for the backend's graph version, or what an earlier call (or command) kept of it.

    ``to_json``/``from_json`` turn the result into plain JSON data and back."""
    if not backend.keeps_derived:
        return build()
    version = backend.version()
    memo = _MEMO.setdefault(backend, {})
    hit = memo.get(name)
    if hit is not None and hit[0] == version:
        return hit[1]
    path = _file(backend, name, version)
    value: T | None = None
    if path is not None and path.is_file():
        try:
            value = from_json(json.loads(path.read_bytes()))
        except (ValueError, KeyError, TypeError, IndexError, OSError):
            value = None  # damaged or from other code: computed again below
    if value is None:
        value = build()
        if path is not None:
            _write(path, name, to_json(value))
    memo[name] = (version, value)
    return value


def _file(backend: Backend, name: str, version: str) -> Path | None:
    folder = backend.cache_dir()
    if folder is None:
        return None
    return folder / f"{name}-{version.replace(':', '-')}-v{FORMAT}.json"


def _write(path: Path, name: str, data: Any) -> None:
    from .errors import OutputError
    from .fileio import write_atomically

    try:
        write_atomically(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        for old in path.parent.glob(f"{name}-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, OutputError):
        pass  # a read-only store still answers, just without keeping this
