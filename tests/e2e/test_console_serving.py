"""The local server serves the built console at /admin/billing/ next to the API."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in build: index.html and one hashed asset."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>Billing Admin</title>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('billing')")
    monkeypatch.setenv("BILLING_CONSOLE_DIR", str(tmp_path))
    return tmp_path


def test_console_routes_get_index_html_so_a_reload_keeps_the_page(api, built):
    for path in ("/admin/billing/", "/admin/billing/invoices", "/admin/billing/customers/x"):
        response = api.get(path)
        assert response.status_code == 200, path
        assert "<title>Billing Admin</title>" in response.text
        assert response.headers["Cache-Control"] == "no-store"


def test_built_assets_are_served_with_a_long_cache(api, built):
    response = api.get("/admin/billing/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.text == "console.log('billing')"
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_the_root_and_the_bare_prefix_lead_to_the_console(api, built):
    for path in ("/", "/admin/billing"):
        response = api.get(path)
        assert response.status_code in (301, 302, 308), path
        assert response.headers["Location"].endswith("/admin/billing/")


def test_paths_outside_the_build_are_never_served(api, built):
    secret = built.parent / "secret.txt"
    secret.write_text("not for the browser")
    response = api.get("/admin/billing/..%2Fsecret.txt")
    assert "not for the browser" not in response.text


def test_the_api_still_answers_beside_the_console(api, built):
    assert api.get("/api/billing/health").status_code == 200


def test_an_unbuilt_console_says_how_to_build_it(api, tmp_path, monkeypatch):
    monkeypatch.setenv("BILLING_CONSOLE_DIR", str(tmp_path / "missing"))
    response = api.get("/admin/billing/")
    assert response.status_code == 404
    assert "npm run build" in response.text
