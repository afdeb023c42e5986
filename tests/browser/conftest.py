"""Browser fixtures: the console and API served in-process on a free port (the test
database, the Stripe stand-in, the `world` organisation with October 2026 usage and a
clock in mid-November), and one Chromium per worker with a fresh context per test."""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from billing.bootstrap import Deps
from tests.browser.console import Watched, launch, watch
from tests.fixtures.auth import Persona, auth_settings
from tests.fixtures.db import follow_clock
from tests.fixtures.stripe import STANDIN_KEY
from tests.fixtures.world import FX

expect.set_options(timeout=10_000)
RUNNING = ("pending", "queued", "running")


@pytest.fixture
def api_deps(db, db_url, world_clock, stripe_gateway, stripe_standin) -> Deps:
    """The world's deps; settings also point Stripe at the stand-in (connection test)."""
    settings = auth_settings(db_url, fx_fixed_usd_cad=FX, stripe_api_base=stripe_standin.base_url,
                             stripe_secret_key=STANDIN_KEY)
    follow_clock(db, world_clock)
    return Deps(settings=settings, db=db, clock=world_clock,
                payments_factory=lambda: stripe_gateway)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@dataclass
class Console:
    """The running console: its address, the API client, and the browser page."""

    base: str
    api: httpx.Client
    watched: Watched

    @property
    def page(self) -> Page:
        return self.watched.page

    def url(self, sub: str = "") -> str:
        return f"{self.base}/admin/billing/{sub}"

    def open(self, persona: Persona, sub: str = "") -> Page:
        """Open the console signed in as ``persona`` through a `#token=` link."""
        self.page.goto(f"{self.url(sub)}#token={persona.token}")
        return self.page

    def get(self, persona: Persona, path: str, **params) -> dict:
        """What the API answers ``persona`` (to compare with the page)."""
        response = self.api.get(f"/api/billing/{path}", headers=persona.headers, params=params)
        response.raise_for_status()
        return response.json()

    def post(self, persona: Persona, path: str, body: dict) -> dict:
        response = self.api.post(f"/api/billing/{path}", headers=persona.headers, json=body)
        response.raise_for_status()
        return response.json()

    def generate(self, persona: Persona, customer_ids: list[str], mode: str = "draft") -> dict:
        """Invoice last month for ``customer_ids`` through the API and wait for the batch
        (201 finished, or 202 queued and polled until done)."""
        batch = self.post(persona, "invoice-batches", {
            "period": {"preset": "previous_month"}, "customer_ids": customer_ids, "mode": mode})
        deadline = time.monotonic() + 30
        while batch["status"] in RUNNING and time.monotonic() < deadline:
            time.sleep(0.1)
            batch = self.get(persona, f"invoice-batches/{batch['id']}")
        assert batch["status"] == "completed", batch
        return batch


def _context(browser: Browser, width: int, height: int):
    return browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                               locale="en-CA", timezone_id="America/Toronto")


@pytest.fixture
def console(api, browser, world) -> Iterator[Console]:
    """The console at 1440×900; fails the test on an uncaught error in the page."""
    context = _context(browser, 1440, 900)
    watched = watch(context.new_page())
    yield Console(str(api.base_url).rstrip("/"), api, watched)
    context.close()
    assert not watched.problems(), watched.problems()


@pytest.fixture
def admin(personas) -> Persona:
    """A Super User with MFA set up and verified today."""
    return personas.create("verified")
