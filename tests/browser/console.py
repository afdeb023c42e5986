"""Driving the built console in Chromium: launch, error capture, axe-core, sign-in.

Chromium is Debian's ``chromium`` package (browser downloads are not available);
``.ci/run`` installs it. Elements are found by role and accessible name only.
"""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
BUILD = ROOT / "web" / "dist" / "index.html"
# Chrome logs every 4xx/5xx fetch as a console error; the tests provoke some on purpose.
EXPECTED_CONSOLE = re.compile(r"Failed to load resource: the server responded with a status of")


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; a clear failure when it or the build is missing."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        raise RuntimeError("Chromium is missing: apt-get install -y chromium (.ci/run does)")
    if not BUILD.exists() or not AXE.exists():
        raise RuntimeError("The console is not built: run `make web` (npm ci + npm run build)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@dataclass
class Watched:
    """A page and the uncaught errors and console errors it produced."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [e for e in self.errors if not EXPECTED_CONSOLE.search(e)]


def watch(page: Page) -> Watched:
    """Record uncaught exceptions and console errors of ``page``."""
    watched = Watched(page)
    page.on("pageerror", lambda exc: watched.errors.append(f"uncaught: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and watched.errors.append(msg.text))
    return watched


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("async () => (await window.axe.run(document, {resultTypes: ['violations']})).violations")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation."""
    found = axe_violations(page)
    assert not found, json.dumps(found, indent=1)


def cad(value: str | Decimal) -> str:
    """Money as the console shows it: Intl.NumberFormat('en-CA', CAD) → $1,234.56."""
    amount = Decimal(str(value))
    text = f"${abs(amount):,.2f}"
    return f"-{text}" if amount < 0 else text
