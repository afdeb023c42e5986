"""Root test configuration: fixture modules per area are plugins."""
pytest_plugins = [
    "tests.fixtures.db",
    "tests.fixtures.stripe",
    "tests.fixtures.retell",
    "tests.fixtures.boc",
    "tests.fixtures.api",
    "tests.fixtures.world",
]
