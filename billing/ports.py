"""What the use cases need from the outside world, as Protocols.

Adapters in ``billing/adapters`` implement these; tests pass local ones.
"""
from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Source of the current time; always timezone-aware UTC."""

    def now(self) -> datetime: ...
