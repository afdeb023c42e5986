"""A small terminal progress bar for the CLI (stderr, redrawn in place)."""
from __future__ import annotations

import sys
from typing import TextIO


class ProgressBar:
    """``update(label, done, total)`` redraws one line; ``done()`` ends it."""

    def __init__(self, stream: TextIO | None = None, width: int = 30,
                 enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.enabled = enabled
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self._open = False
        self._last = ""

    def update(self, label: str, done: int, total: int | None = None) -> None:
        """Show ``label`` with ``done`` of ``total`` (a count alone when total is unknown)."""
        if not self.enabled:
            return
        if total:
            filled = min(self.width, int(self.width * done / total))
            bar = "#" * filled + "." * (self.width - filled)
            text = f"\r{label:<28} [{bar}] {done}/{total}"
        else:
            text = f"\r{label:<28} {done}"
        if self._last and not text.startswith(self._last.split("[")[0].rstrip()):
            self.done()
        self._last = text
        self._open = True
        if self.live:
            self.stream.write(text.ljust(80))
            self.stream.flush()

    def step(self, label: str) -> None:
        """Announce a step on its own line."""
        self.done()
        if self.enabled:
            self.stream.write(f"{label}\n")
            self.stream.flush()

    def done(self) -> None:
        """End the current line (on a pipe, write its final state once)."""
        if self._open and self.enabled:
            self.stream.write("\n" if self.live else self._last.lstrip("\r") + "\n")
            self.stream.flush()
            self._open = False
            self._last = ""
