"""Every page at phone and desktop sizes: it fits the width (no sideways scrolling of the
page; wide tables scroll in their own box), passes axe-core, and is saved as a PNG in
out/screenshots/ (`make screenshots` runs only this file)."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, _context
from tests.browser.console import ROOT, assert_accessible, watch

SIZES = {"390x844": (390, 844), "1440x900": (1440, 900)}
OUT = Path(os.environ.get("BILLING_SCREENSHOTS_DIR", ROOT / "out" / "screenshots"))


def _fits(page: Page) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def _dashboard(c: Console, admin) -> None:
    expect(c.page.get_by_role("region", name="Monthly Trends")).to_be_visible()


def _wizard(c: Console, admin) -> None:
    c.page.get_by_role("button", name="Generate Monthly Invoices").click()
    c.page.get_by_role("button", name="Next: Preview Invoices").click()
    expect(c.page.get_by_role("button", name="Next: Stripe Options")).to_be_visible()


def _history(c: Console, admin) -> None:
    expect(c.page.get_by_role("table", name="Invoices")).to_be_visible()


def _detail(c: Console, admin) -> None:
    c.page.get_by_role("table", name="Invoices").get_by_role("button", name="View").first.click()
    expect(c.page.get_by_role("heading", name="Cost Breakdown")).to_be_visible()


def _customers(c: Console, admin) -> None:
    expect(c.page.get_by_role("table", name="Billing customers")).to_be_visible()


def _customer_form(c: Console, admin) -> None:
    c.page.get_by_role("button", name="Add New Customer").click()
    expect(c.page.get_by_role("dialog", name="Add New Customer")).to_be_visible()


def _settings(c: Console, admin) -> None:
    expect(c.page.get_by_role("region", name="Email Notifications")).to_be_visible()


PAGES: dict[str, tuple[str, Callable[[Console, object], None]]] = {
    "dashboard": ("", _dashboard),
    "wizard-preview": ("", _wizard),
    "invoice-history": ("invoices", _history),
    "invoice-detail": ("invoices", _detail),
    "customers": ("customers", _customers),
    "customer-form": ("customers", _customer_form),
    "settings": ("settings", _settings),
}


@pytest.fixture
def sized(api, browser, world, request):
    """A console page at the size of the test's parameter."""
    width, height = SIZES[request.param]
    context = _context(browser, width, height)
    watched = watch(context.new_page())
    yield Console(str(api.base_url).rstrip("/"), api, watched)
    context.close()
    assert not watched.problems(), watched.problems()


@pytest.mark.parametrize("sized", list(SIZES), indirect=True)
def test_every_page_fits_passes_axe_and_is_saved(sized: Console, personas, world, request):
    size = request.node.callspec.params["sized"]
    OUT.mkdir(parents=True, exist_ok=True)
    admin = personas.create("verified")
    sized.generate(admin, list(world.customers.values())[:2])
    page = sized.page
    page.goto(sized.url())
    expect(page.get_by_label("Bearer token")).to_be_visible()
    page.screenshot(path=OUT / f"sign-in-{size}.png")
    mfa_user = personas.create("super_user")
    sized.open(mfa_user)
    expect(page.get_by_role("dialog", name="Verify it's you")).to_be_visible()
    page.screenshot(path=OUT / f"mfa-{size}.png")
    page.evaluate("() => sessionStorage.clear()")

    for name, (sub, arrive) in PAGES.items():
        sized.open(admin, sub)
        arrive(sized, admin)
        page.wait_for_load_state("networkidle")
        _fits(page)
        assert_accessible(page)
        page.screenshot(path=OUT / f"{name}-{size}.png", full_page=True)


def test_the_console_still_fits_a_320px_screen(api, browser, world, personas):
    context = _context(browser, 320, 640)
    page = context.new_page()
    console = Console(str(api.base_url).rstrip("/"), api, watch(page))
    admin = personas.create("verified")
    for sub, landmark in (("", "Monthly Trends"), ("invoices", None), ("customers", None), ("settings", "Stripe Integration")):
        console.open(admin, sub)
        if landmark:
            expect(page.get_by_role("region", name=landmark)).to_be_visible()
        else:
            expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.wait_for_load_state("networkidle")
        _fits(page)
    context.close()
