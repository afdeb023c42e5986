// A consumer that misreads the contract: each line must fail to compile
// (the contract test counts the errors), or the generated types are too loose.
import type { components, paths } from "../api";

type Page = paths["/api/billing/invoices"]["get"]["responses"]["200"]["content"]["application/json"];
type Problem = components["schemas"]["Problem"];
type Preview = components["schemas"]["InvoicePreview"];

export function misread(page: Page, problem: Problem, preview: Preview): void {
  const total: number = page.total_cad; // money is a string
  const status: string = problem.status; // the HTTP status is a number
  const state: "void" = page.items[0]!.invoice_status; // not one of our statuses
  const code: "teapot" = problem.code; // not a documented code
  const rate: number = preview.fx.rate; // FX is a string too
  void [total, status, state, code, rate];
}
