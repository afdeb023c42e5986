/** The Billing Admin console for the CareXPS SPA (see docs/SPA_INTEGRATION.md). */
export { BillingAdminRoutes } from './BillingAdminRoutes'
export type { BillingAdminRoutesProps } from './BillingAdminRoutes'
