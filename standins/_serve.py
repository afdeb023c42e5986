"""Running a stand-in from the command line until Ctrl-C."""
from __future__ import annotations

import threading
from typing import Any


def serve_until_interrupted(standin: Any, banner: str) -> None:
    """Print ``banner`` and keep the (started) stand-in up until Ctrl-C, then stop it."""
    print(banner, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        standin.stop()
