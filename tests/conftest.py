"""Root test configuration: fixture modules per area are plugins."""
pytest_plugins = [
    "tests.fixtures.db",
    "tests.fixtures.stripe",
    "tests.fixtures.retell",
    "tests.fixtures.boc",
    "tests.fixtures.api",
    "tests.fixtures.auth",  # after .api: extends its api_settings
    "tests.fixtures.world",
    "tests.fixtures.smtp",
    "tests.fixtures.jwks",
    "tests.fixtures.webhooks",
]
