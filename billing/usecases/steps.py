"""Running the timer's steps so that one failing step does not stop the others."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from billing.domain.errors import BillingError

T = TypeVar("T")


def run_step(failures: dict[str, str], name: str, work: Callable[[], T],
             log: logging.Logger) -> T | None:
    """Run one step; on a BillingError log it, record its code under ``name``, return None."""
    try:
        return work()
    except BillingError as exc:
        log.error("step failed", extra={"step": name, "code": exc.code})
        failures[name] = exc.code
        return None
