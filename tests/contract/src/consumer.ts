// The Billing Admin console's main calls, typed by the client generated from the
// API's OpenAPI document. Compiled with `tsc --strict --noEmit`: if the document
// stops describing what the console relies on, this file stops compiling.
import createClient from "openapi-fetch";
import type { components, paths } from "../api";

type Problem = components["schemas"]["Problem"];
type Money = string; // decimal strings with a fixed scale: "23.58", FX "1.393700"

const api = createClient<paths>({
  baseUrl: "http://127.0.0.1:7071",
  headers: { Authorization: "Bearer <token>" },
});

/** A problem's HTTP status is a number and its code one of the documented codes. */
export function describe(problem: Problem): string {
  const status: number = problem.status;
  const code: Problem["code"] = problem.code;
  const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  const wait: number | null | undefined = problem.retry_after_s;
  const invoiceStatus: components["schemas"]["Status"] | null | undefined =
    problem.invoice_status;
  return [status, code, invoiceStatus, wait, ...fields].join(" ");
}

export async function dashboardCards(): Promise<Money[]> {
  const { data, error } = await api.GET("/api/billing/dashboard");
  if (error) throw new Error(describe(error));
  const current = data.current_month;
  const trend: string | null = current.billable_trend_pct;
  const rate: Money = data.fx.rate;
  const pending: number = data.pending_invoices.count;
  return [current.billable_amount_cad, current.usage_cost_cad, rate, String(pending),
          trend ?? "", ...data.monthly_trends.map((m) => m.total_cad)];
}

export async function sentOrPaidInvoices(page: number): Promise<Money> {
  const { data, error } = await api.GET("/api/billing/invoices", {
    params: { query: { status: ["sent", "paid"], page, page_size: 50, sort: "created" } },
  });
  if (error) throw new Error(describe(error));
  const first = data.items[0];
  if (first) {
    const status: "draft" | "finalized" | "sent" | "overdue" | "paid" | "cancelled" =
      first.invoice_status;
    const canPay: boolean = first.actions.includes("mark_paid");
    const minutes: Money = first.total_call_minutes;
    void [status, canPay, minutes];
  }
  return data.total_cad;
}

export async function previewRows(customerIds: string[]): Promise<Money[]> {
  const { data, error } = await api.POST("/api/billing/invoices/preview", {
    body: { period: { preset: "previous_month" }, customer_ids: customerIds },
  });
  if (error) throw new Error(describe(error));
  const fx: Money = data.fx.rate;
  const warnings: string[] = data.warnings.map((w) => w.code);
  return [fx, ...warnings, ...data.customers.map((row) =>
    `${row.customer_name} ${row.usage.call_minutes} ${row.total_cad} ` +
    `${row.existing_invoice?.invoice_status ?? ""}`)];
}

export async function batchProgress(batchId: string): Promise<string> {
  const { data, error, response } = await api.GET("/api/billing/invoice-batches/{batch_id}", {
    params: { path: { batch_id: batchId } },
  });
  if (error) {
    if (response.status === 404) return "gone";
    throw new Error(describe(error));
  }
  const done: boolean = data.status !== "running";
  const failed = data.items.filter((item) => item.status === "failed")
    .map((item) => `${item.customer_name}: ${item.error_code ?? ""}`);
  return `${data.processed}/${data.total} ${done} ${data.total_cad} ${failed.join(", ")}`;
}

export async function startBatch(customerIds: string[]): Promise<string> {
  const { data, error } = await api.POST("/api/billing/invoice-batches", {
    body: { customer_ids: customerIds, mode: "draft", due_in_days: 30 },
  });
  if (error) {
    const existing = error.existing_invoices ?? [];
    throw new Error(`${describe(error)} ${existing.map((i) => i.id).join(",")}`);
  }
  return data.id;
}

export async function createCustomer(): Promise<string> {
  const { data, error } = await api.POST("/api/billing/customers", {
    body: {
      customer_name: "Clinique Laval",
      customer_email: "billing@laval.test",
      markup_percentage: 12.5,
      auto_invoice_enabled: true,
    },
  });
  if (error) throw new Error(describe(error));
  const link: "none" | "pending" | "linked" | "failed" = data.stripe_link_status;
  const markup: Money = data.markup_percentage;
  return `${data.id} ${link} ${markup}`;
}
