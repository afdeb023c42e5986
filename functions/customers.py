"""Business customers and their Retell agents."""
from __future__ import annotations

import azure.functions as func

from billing.domain.customers import (
    AgentMapping,
    AgentMappingIn,
    Customer,
    CustomerCreate,
    CustomerFilters,
    CustomerListQuery,
    CustomerPage,
    CustomerPatch,
)
from billing.usecases import customers as uc
from billing.usecases.access import local_today
from functions._http import Call, endpoint

bp = func.Blueprint()
BASE = "billing/customers"
ITEM = BASE + "/{customer_id:guid}"


@endpoint(bp, "GET", BASE, summary="List customers (search, filter, sort, page)",
          query=CustomerListQuery, response=CustomerPage, tag="customers")
def list_customers(call: Call) -> CustomerPage:
    return uc.list_customers(call.query, principal=call.principal, deps=call.deps)


@endpoint(bp, "POST", BASE, summary="Create a customer", body=CustomerCreate,
          response=Customer, status=201, tag="customers",
          errors=(409, 429, 502))
def create_customer(call: Call) -> Customer:
    return uc.create_customer(call.body, principal=call.principal, deps=call.deps)


@endpoint(bp, "GET", BASE + "/export.csv", summary="Export the filtered customers as CSV",
          query=CustomerFilters, media_type="text/csv", tag="customers",
          errors=(429,))
def export_customers(call: Call) -> func.HttpResponse:
    body = uc.export_customers(call.query, principal=call.principal, deps=call.deps)
    day = local_today(call.deps.clock.now(), call.deps.settings.billing_time_zone).isoformat()
    return func.HttpResponse(body, status_code=200, mimetype="text/csv", charset="utf-8",
                             headers={"Content-Disposition":
                                      f'attachment; filename="billing-customers-{day}.csv"',
                                      "Cache-Control": "no-store"})


@endpoint(bp, "GET", ITEM, summary="One customer", response=Customer, tag="customers")
def get_customer(call: Call) -> Customer:
    return uc.get_customer(call.params["customer_id"], principal=call.principal, deps=call.deps)


@endpoint(bp, "POST", ITEM + "/stripe-sync", response=Customer, tag="customers",
          summary="Create or update the customer's Stripe customer (retries a failed link)",
          errors=(409, 502, 503))
def sync_customer_to_stripe(call: Call) -> Customer:
    return uc.sync_stripe(call.params["customer_id"], principal=call.principal, deps=call.deps)


@endpoint(bp, "PATCH", ITEM, summary="Change some fields of a customer", body=CustomerPatch,
          response=Customer, tag="customers",
          errors=(409, 429, 502))
def update_customer(call: Call) -> Customer:
    return uc.update_customer(call.params["customer_id"], call.body, principal=call.principal,
                              deps=call.deps)


@endpoint(bp, "DELETE", ITEM, summary="Delete a customer without unpaid invoices",
          status=204, tag="customers",
          errors=(409, 429))
def delete_customer(call: Call) -> None:
    uc.delete_customer(call.params["customer_id"], principal=call.principal, deps=call.deps)


@endpoint(bp, "GET", ITEM + "/agents", summary="The customer's Retell agents",
          response=AgentMapping, tag="customers")
def get_customer_agents(call: Call) -> AgentMapping:
    return uc.get_agents(call.params["customer_id"], principal=call.principal, deps=call.deps)


@endpoint(bp, "PUT", ITEM + "/agents", summary="Set the customer's Retell agents",
          body=AgentMappingIn, response=AgentMapping, tag="customers",
          errors=(409, 429))
def put_customer_agents(call: Call) -> AgentMapping:
    return uc.set_agents(call.params["customer_id"], call.body, principal=call.principal,
                         deps=call.deps)
