"""The deploy package: what `func azure functionapp publish` uploads after applying
``.funcignore``. It holds no local tooling, and ``function_app`` imports from it alone."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pathspec
import pytest

from tests.architecture.imports import ROOT

# What lets a file mint a bearer token or start a stand-in or a local server.
LOCAL_POWERS = re.compile(
    r"jwt\.encode|(?:from|import) standins|mint_dev_token|serve_forever|make_server|"
    r"ThreadingHTTPServer")


def deploy_files() -> list[str]:
    """The repository's files (tracked and not ignored) less what ``.funcignore`` drops."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, check=True, capture_output=True, text=True).stdout
    spec = pathspec.GitIgnoreSpec.from_lines((ROOT / ".funcignore").read_text().splitlines())
    return sorted(f for f in listed.splitlines() if (ROOT / f).is_file()
                  and not spec.match_file(f))


def test_the_deploy_package_is_the_app_and_the_product():
    files = deploy_files()
    tops = {f.split("/")[0] for f in files}
    assert tops == {"function_app.py", "host.json", "requirements.txt", "billing", "functions"}
    assert not [f for f in files if f.startswith(("billing/local/", "tests/", "standins/"))]


def test_no_deployed_file_can_mint_a_token_or_start_a_standin():
    powers = {f: LOCAL_POWERS.findall((ROOT / f).read_text())
              for f in deploy_files() if f.endswith(".py")}
    assert {f: p for f, p in powers.items() if p} == {}


def test_the_power_pattern_sees_the_local_identity():
    assert LOCAL_POWERS.search((ROOT / "billing/local/identity.py").read_text())


@pytest.mark.slow
def test_function_app_imports_from_the_deploy_package_in_a_fresh_venv(tmp_path: Path):
    app_dir = tmp_path / "site"
    for name in deploy_files():
        target = app_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((ROOT / name).read_bytes())
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "-r", app_dir / "requirements.txt"], check=True, timeout=600)
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    probe = ("import function_app, sys; "
             "assert not [m for m in sys.modules if m.startswith(('billing.local', 'standins'))]; "
             "print(len(function_app.app.get_functions()))")
    out = subprocess.run([python, "-c", probe], cwd=app_dir, env=clean_env, check=True,
                         capture_output=True, text=True, timeout=120)
    assert int(out.stdout.strip()) > 20
    assert sys.prefix not in out.stdout
