"""The Azure template: it builds (where a Bicep tool is present), it sets what
DEPLOY.md promises, and it configures every setting the app reads.

The Bicep CLI is not installed by the project (no package registry we use ships
it), so the build test runs only where ``bicep`` is on the PATH or where the
Azure CLI installed it; the Python parser ``pycep-parser`` is used the same way,
only when it is importable. The text checks below always run.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from billing.config import Settings

ROOT = Path(__file__).resolve().parents[2]
AZURE = ROOT / "infra" / "azure"
TEMPLATE = AZURE / "main.bicep"
EXAMPLE_PARAMETERS = AZURE / "main.parameters.example.json"

#: Settings the template leaves unset on purpose (their defaults are right in Azure).
NOT_SET_IN_AZURE = {
    "STRIPE_API_BASE": "only for the local Stripe stand-in",
    "FX_FIXED_USD_CAD": "tests and demos; production uses the Bank of Canada",
}
#: App settings that must come from Key Vault, never a literal value.
SECRET_SETTINGS = ("DATABASE_URL", "BILLING_ENCRYPTION_KEY", "BILLING_ENCRYPTION_OLD_KEYS",
                   "BILLING_AUTH_JWT_SECRET", "RETELL_API_KEY", "SMTP_PASSWORD",
                   "STRIPE_SECRET_KEY")


def bicep_text() -> str:
    return TEMPLATE.read_text(encoding="utf-8")


def declared_parameters(text: str) -> dict[str, bool]:
    """Parameter name → whether it has a default."""
    return {m.group(1): m.group(2) is not None
            for m in re.finditer(r"^param (\w+) \S+( = .*)?$", text, re.MULTILINE)}


def app_settings(text: str) -> dict[str, str]:
    """App setting name → its value expression, from every ``name:``/``value:`` pair."""
    return dict(re.findall(r"name: '([A-Za-z_]+)'\n\s+value: (.+)", text))


def bicep_cli() -> str | None:
    found = shutil.which("bicep")
    if found:
        return found
    azure_cli_copy = Path.home() / ".azure" / "bin" / "bicep"
    return str(azure_cli_copy) if azure_cli_copy.exists() else None


def test_the_template_builds_to_an_arm_template_with_the_bicep_cli(tmp_path):
    cli = bicep_cli()
    if cli is None:
        pytest.skip("the Bicep CLI is not installed here")
    out = tmp_path / "main.json"
    subprocess.run([cli, "build", str(TEMPLATE), "--outfile", str(out)], check=True,
                   capture_output=True, timeout=120)
    arm = json.loads(out.read_text())
    types = {r["type"] for r in (arm["resources"].values() if isinstance(arm["resources"], dict)
                                 else arm["resources"])}
    assert {"Microsoft.Web/sites", "Microsoft.KeyVault/vaults",
            "Microsoft.Storage/storageAccounts", "Microsoft.Insights/components"} <= types


def test_the_template_parses_with_the_python_bicep_parser():
    pycep = pytest.importorskip("pycep", reason="pycep-parser is not installed here")
    tree = pycep.BicepParser().parse(file_path=TEMPLATE)
    resources = tree["resources"]
    types = {r["type"] for r in resources.values()}
    assert {"Microsoft.Web/sites", "Microsoft.Web/serverfarms", "Microsoft.KeyVault/vaults",
            "Microsoft.Storage/storageAccounts", "Microsoft.Insights/components",
            "Microsoft.OperationalInsights/workspaces",
            "Microsoft.Authorization/roleAssignments"} <= types
    site = resources["functionApp"]["config"]
    assert site["identity"]["type"] == "SystemAssigned"
    assert site["properties"]["httpsOnly"] is True
    assert site["properties"]["siteConfig"]["minTlsVersion"] == "1.2"
    assert site["properties"]["siteConfig"]["ftpsState"] == "Disabled"
    vault = resources["vault"]["config"]["properties"]
    assert vault["enableRbacAuthorization"] is True
    assert vault["enablePurgeProtection"] is True
    assert vault["enableSoftDelete"] is True


def test_the_app_runs_python_3_11_on_linux_with_https_tls_1_2_and_no_ftp():
    # and leaves empty settings out: an empty BILLING_AUTH_ISSUER would be checked as ''.
    text = bicep_text()
    assert "kind: 'functionapp,linux'" in text
    assert re.search(r"runtime: \{\s+name: 'python'\s+version: '3.11'", text)
    for expected in ("httpsOnly: true", "minTlsVersion: '1.2'", "ftpsState: 'Disabled'",
                     "type: 'SystemAssigned'", "allowedOrigins: spaOrigins",
                     "setting => !empty(setting.value)"):
        assert expected in text, expected


def test_the_vault_uses_rbac_soft_delete_and_purge_protection_and_the_app_may_read_secrets():
    text = bicep_text()
    for expected in ("enableRbacAuthorization: true", "enableSoftDelete: true",
                     "enablePurgeProtection: true",
                     "keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'",
                     "principalId: functionApp.identity.principalId"):
        assert expected in text, expected


def test_every_secret_setting_is_a_key_vault_reference():
    settings = app_settings(bicep_text())
    assert "kvRefPrefix = '@Microsoft.KeyVault(SecretUri=https://" in bicep_text()
    for name in SECRET_SETTINGS:
        assert name in settings, name
        assert settings[name].startswith("'${kvRefPrefix}"), (name, settings[name])


def test_every_setting_the_app_reads_is_configured_by_the_template_or_deliberately_left_out():
    configured = set(app_settings(bicep_text()))
    for field in Settings.model_fields:
        name = field.upper()
        assert name in configured or name in NOT_SET_IN_AZURE, (
            f"{name} is read by billing/config.py but not set in infra/azure/main.bicep")


def test_the_example_parameters_name_only_declared_parameters_and_every_required_one():
    declared = declared_parameters(bicep_text())
    example = json.loads(EXAMPLE_PARAMETERS.read_text())["parameters"]
    assert set(example) <= set(declared), set(example) - set(declared)
    required = {name for name, has_default in declared.items() if not has_default}
    assert required <= set(example), required - set(example)


def test_local_settings_example_names_every_setting_the_app_reads():
    values = json.loads((ROOT / "local.settings.example.json").read_text())["Values"]
    expected = {field.upper() for field in Settings.model_fields}
    expected |= {"FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsStorage"}
    assert expected <= set(values), expected - set(values)
    for name, value in values.items():
        assert "(" in value and value.rstrip().endswith(")"), f"{name} has no description"


def test_host_json_is_for_functions_v4_with_a_bounded_timeout():
    host = json.loads((ROOT / "host.json").read_text())
    assert host["version"] == "2.0"
    assert host["extensionBundle"]["version"].startswith("[4.")
    hours, minutes, seconds = (int(part) for part in host["functionTimeout"].split(":"))
    assert 0 < hours * 3600 + minutes * 60 + seconds <= 30 * 60
    assert host["extensions"]["http"]["routePrefix"] == "api"


def test_the_invoice_batch_queues_exist_and_the_app_may_use_them():
    text = bicep_text()
    queues = re.findall(r"queueServices/queues@[\d-]+' = \{\n\s+parent: queueService\n"
                        r"\s+name: '([a-z-]+)'", text)
    assert queues == ["invoice-batches", "invoice-batches-poison"]
    role = re.search(r"resource appQueueContributor [^{]+\{\n\s+scope: storage\n[^}]+"
                     r"roles\.storageQueueDataContributor\)\n\s+principalId: "
                     r"functionApp\.identity\.principalId", text)
    assert role is not None
    assert "name: 'AzureWebJobsStorage__accountName'" in text
