"""The console's view of the contract: types generated from `python -m billing openapi`
with openapi-typescript 7 (pinned in package.json and its lockfile), and a TypeScript
consumer of the main calls compiled with `tsc --strict --noEmit`."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(args, cwd=HERE, capture_output=True, text=True, timeout=600)
    if check:
        assert out.returncode == 0, out.stdout + out.stderr
    return out


@pytest.fixture(scope="module")
def generated_types() -> Path:
    """node_modules from the lockfile (once), the document, and the generated types."""
    if shutil.which("npm") is None:
        pytest.fail("node and npm are needed for the TypeScript contract test")
    installed = HERE / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < (
            HERE / "package-lock.json").stat().st_mtime:
        run("npm", "ci", "--no-audit", "--no-fund")
    document = run(sys.executable, "-m", "billing", "openapi").stdout
    (HERE / "openapi.json").write_text(document)
    run("npx", "openapi-typescript", "openapi.json", "--default-non-nullable", "false",
        "-o", "api.d.ts")
    return HERE / "api.d.ts"


def test_the_pinned_generator_is_openapi_typescript_7():
    lock = json.loads((HERE / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/openapi-typescript"]["version"].startswith("7.")


def test_the_console_calls_compile_against_the_generated_client(generated_types):
    out = run("npx", "tsc", "--strict", "--noEmit", "-p", "tsconfig.json", check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_consumer_misreading_money_status_or_codes_does_not_compile(generated_types):
    out = run("npx", "tsc", "--strict", "--noEmit", "-p", "tsconfig.misread.json", check=False)
    lines = sorted({int(n) for n in re.findall(r"misread\.ts\((\d+),", out.stdout)})
    assert lines == [10, 11, 12, 13, 14], out.stdout
