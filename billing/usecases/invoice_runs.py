"""Entry points for invoicing, shared by the API, the CLI and the monthly timer:
build the context (who acts, which transaction, Stripe, FX, time zone), then
preview, start a batch or queue it again; ``batch_runner`` runs batches."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from billing.adapters.postgres import batches_sql
from billing.adapters.postgres.settings_sql import load_settings
from billing.domain.errors import Conflict, NotFound
from billing.domain.periods import Period, local_today
from billing.domain.principal import Principal
from billing.usecases import invoicing, previews
from billing.usecases.invoice_saga import SagaContext, Session

SYSTEM_ACTOR = "auto_invoice"
#: The session actor while the saga writes on behalf of an admitted user.
USER_ACTOR = "invoicing"


@dataclass(frozen=True)
class Org:
    """The organisation settings an invoicing run needs."""

    tz: str
    today: date
    settings: dict[str, Any]


def session_for(deps: Any, principal: Principal | None) -> Session:
    """The saga's transactions: always ``service_role``, because invoice rows, usage
    claims and batches are written by the saga only (``authenticated`` may read them,
    never write them). A user's run is on behalf of a caller the access gate admitted;
    the audit entries name that user."""
    return lambda: deps.db.system_session(USER_ACTOR if principal else SYSTEM_ACTOR)


def reader_for(deps: Any, principal: Principal | None) -> Session:
    """Transactions that only read: RLS as the user, or service_role for the system."""
    if principal is not None:
        return lambda: deps.db.user_session(principal.rls_claims)
    return lambda: deps.db.system_session(SYSTEM_ACTOR)


def load_org(deps: Any, session: Session) -> Org:
    """The billing time zone, today's local date and the settings row."""
    with session() as conn:
        row = load_settings(conn)
    tz = row["billing_time_zone"] or deps.settings.billing_time_zone
    return Org(tz=tz, today=local_today(deps.clock.now(), tz), settings=row)


def saga_context(deps: Any, principal: Principal | None, org: Org, *,
                 actor: Principal | None = None) -> SagaContext:
    """The saga's dependencies for this caller (sessions as ``principal``; ``actor``,
    default the principal, is who the audit names)."""
    return SagaContext(payments=deps.payments(), session=session_for(deps, principal),
                       actor=actor or principal,
                       invoice_note=org.settings["default_invoice_note"],
                       footer=org.settings["invoice_footer_text"])


def run_preview(deps: Any, principal: Principal | None, period_for: Callable[[date], Period],
                customer_ids: list[str] | None) -> dict[str, Any]:
    """Preview invoices for ``period_for(local today)`` (all customers when ids is None)."""
    session = reader_for(deps, principal)
    org = load_org(deps, session)
    period = period_for(org.today)
    with session() as conn:
        return previews.preview(conn, period, customer_ids, fx_service=deps.fx, tz=org.tz,
                                today=org.today)


def start_generation(deps: Any, principal: Principal | None, period: Period,
                     customer_ids: list[str], options: invoicing.GenerateOptions
                     ) -> dict[str, Any]:
    """Validate and create a queued batch with its items; returns the batch view. The
    caller puts the batch id on the ``invoice-batches`` queue."""
    session = session_for(deps, principal)
    ctx = saga_context(deps, principal, load_org(deps, session))
    batch_id = invoicing.start_batch(ctx, period, customer_ids, options)
    with session() as conn:
        return invoicing.batch_view(conn, batch_id)


def request_retry(deps: Any, principal: Principal | None, batch_id: str) -> dict[str, Any]:
    """Queue a batch again for its failed (and interrupted) items, which keep their
    idempotency keys; 409 ``batch_running`` while a runner is working on it. The
    caller puts the batch id on the queue."""
    with session_for(deps, principal)() as conn:
        batches_sql.lock_batch(conn, batch_id)
        batch = batches_sql.get_batch(conn, batch_id)
        if batch is None:
            raise NotFound("Invoice batch not found.", code="batch_not_found")
        if batches_sql.runner_busy(batch, deps.clock.now()):
            raise Conflict("This batch is running; wait for it to finish before retrying.",
                           code="batch_running",
                           extra={"batch_id": batch_id})
        batches_sql.reopen_batch(conn, batch_id)
        batches_sql.adopt_unrecorded_invoices(conn, batch_id)
        return invoicing.batch_view(conn, batch_id)


def get_batch(deps: Any, principal: Principal, batch_id: str) -> dict[str, Any]:
    """A batch with progress and results."""
    with reader_for(deps, principal)() as conn:
        if batches_sql.get_batch(conn, batch_id) is None:
            raise NotFound("Invoice batch not found.", code="batch_not_found")
        return invoicing.batch_view(conn, batch_id)
