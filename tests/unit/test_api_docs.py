"""The guides say how the SPA calls the API and what Azure's CORS does, and the
template keeps the platform CORS for the SPA origins."""
from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
BICEP = Path(__file__).resolve().parents[2] / "infra" / "azure" / "main.bicep"


def section(path: Path, heading: str) -> str:
    text = path.read_text(encoding="utf-8")
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start:end if end > 0 else None]


def test_the_technical_guide_explains_calling_the_api_from_the_spa():
    text = section(DOCS / "BILLING_TECHNICAL.md", "## Calling the API from the SPA")
    for needed in ("python -m billing openapi", "openapi-typescript", "openapi-fetch",
                   "Authorization: Bearer", "WWW-Authenticate", "application/problem+json",
                   "retry_after_s", "`body.", '"23.58"', '"1.393700"',
                   "status=sent&status=paid", "/api/billing/invoice-batches/{batch_id}",
                   "BILLING_CORS_ORIGINS"):
        assert needed in text, needed


def test_deploy_explains_what_platform_cors_does_and_does_not():
    text = section(DOCS / "DEPLOY.md", "## 14. CORS")
    for needed in ("spaOrigins", "preflight", "exposed headers", "retry_after_s",
                   "BILLING_CORS_ORIGINS"):
        assert needed in text, needed


def test_the_template_keeps_platform_cors_for_the_spa_origins():
    assert "cors: {\n        allowedOrigins: spaOrigins" in BICEP.read_text(encoding="utf-8")
