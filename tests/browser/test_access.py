"""Signing in and the access gate, in the browser (§1, §5, §12 Authentication & Access)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.console import assert_accessible


def test_a_token_link_signs_in_and_the_daily_mfa_prompt_shows_remaining_attempts(console, personas, world_clock):
    user = personas.create("super_user")
    page = console.open(user)

    dialog = page.get_by_role("dialog", name="Verify it's you")
    expect(dialog).to_be_visible()
    assert "#token" not in page.url
    assert page.evaluate("() => sessionStorage.getItem('carexps.billing.token')") == user.token
    assert_accessible(page)

    dialog.get_by_label("Verification code").fill("000000")
    dialog.get_by_role("button", name="Verify").click()
    expect(dialog.get_by_text("The code is incorrect or was already used.")).to_be_visible()
    expect(dialog.get_by_text("4 attempts remaining")).to_be_visible()

    dialog.get_by_label("Verification code").fill(user.code(world_clock.now()))
    dialog.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("region", name="Current Month (MTD)")).to_be_visible()
    expect(dialog).to_be_hidden()


def test_five_wrong_codes_lock_verification_and_say_until_when(console, personas):
    user = personas.create("super_user")
    dialog = console.open(user).get_by_role("dialog", name="Verify it's you")
    for _ in range(5):
        dialog.get_by_label("Verification code").fill("000000")
        dialog.get_by_role("button", name="Verify").click()
        expect(dialog.get_by_role("button", name="Verify")).not_to_have_attribute("aria-busy", "true")
    expect(dialog.get_by_text("Too many incorrect codes. Try again after")).to_be_visible()
    expect(dialog.get_by_role("button", name="Verify")).to_be_disabled()


def test_the_sign_in_screen_refuses_a_bad_token_with_the_reason_and_accepts_a_good_one(console, admin):
    page = console.page
    page.goto(console.url())
    page.get_by_label("Bearer token").fill("not-a-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("The API did not accept the token")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Bearer token").fill(admin.token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("region", name="Total Customers")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Bearer token")).to_be_visible()


def test_a_user_who_is_not_a_super_user_sees_403(console, personas):
    page = console.open(personas.create("staff"))
    expect(page.get_by_text("403 — Access denied")).to_be_visible()
    expect(page.get_by_text("Billing Admin is available to Super Users only.")).to_be_visible()


def test_a_super_user_without_mfa_is_sent_to_mfa_setup(console, personas):
    page = console.open(personas.create("su_mfa_not_set_up"))
    expect(page.get_by_text("MFA is required to access Billing Admin")).to_be_visible()
    link = page.get_by_role("link", name="Set up multi-factor authentication")
    assert link.get_attribute("href").startswith("/mfa-setup?returnUrl=")
