"""Commands: (filled in by the issue that adds them)."""

from __future__ import annotations
