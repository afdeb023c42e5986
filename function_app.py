"""Azure Functions entry point: composition only (no I/O at import)."""
import azure.functions as func

from functions import (
    access,
    audit,
    batches,
    customers,
    dashboard,
    fallback,
    health,
    invoices,
    invoicing,
    meta,
    reconciliation,
    reports,
    retell_webhook,
    settings,
    stripe_webhook,
    timers,
    usage,
)

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

for blueprint in (health.bp, meta.bp, access.bp, customers.bp, audit.bp,
                  usage.bp, retell_webhook.bp, timers.bp, dashboard.bp,
                  invoices.bp, invoicing.bp, batches.bp, reconciliation.bp, reports.bp,
                  settings.bp,
                  stripe_webhook.bp):
    app.register_functions(blueprint)
# Last: the host tries routes in registration order; this answers what none matched.
app.register_functions(fallback.bp)
