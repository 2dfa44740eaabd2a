/** Customers: `GET /api/customers/{id}`, with the extra fields set by setCustomerData. */
import { HttpError, type Result } from '../results.js'
import type { RouteContext, RouteRequest } from './context.js'

export function getCustomer(ctx: RouteContext, { id }: RouteRequest): Result {
  const customer = ctx.store.customers.get(id)
  if (!customer) throw new HttpError(404, 'Customer not found')
  const extra = structuredClone(ctx.store.customerData.get(id) ?? {})
  return { status: 200, body: { ...customer, ...extra } }
}
