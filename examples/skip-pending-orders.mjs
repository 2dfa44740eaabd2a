// Example policy module for gorgias-auto-close (input `policy-module: examples/skip-pending-orders.mjs`).
//
// Leaves a ticket alone while the customer has an order that is paid for but not yet shipped: a
// "did our reply help?" email, or closing the conversation, would be premature while they wait
// for a parcel. Orders come from the Shopify data Gorgias keeps on the customer
// (GET /api/customers/{id} -> integrations -> <id> -> orders).
//
// Called for every ticket about to get a follow-up or be closed, with:
//   ticket, messages  - as the Gorgias API returns them
//   action            - { kind: 'follow-up' | 'close', reminder?, reminders?, idleHours, reply }
//   context           - { settings, gorgias: { get, getTicket, listMessages }, fetch, log, now }
// Return undefined to go ahead, or { skip: 'reason' } to leave the ticket for this run.
// A throw (or no answer within 30 s) counts as a failure for that ticket, which is then left alone.

const PENDING = new Set([null, 'unfulfilled', 'partial', 'pending', 'scheduled', 'on_hold'])

export default async function skipPendingOrders(ticket, messages, action, context) {
  const customerId = ticket.customer?.id
  if (!customerId) return undefined
  const customer = await context.gorgias.get(`/customers/${customerId}`)
  const integrations = Object.values(customer?.integrations ?? {})
  const orders = integrations.flatMap(i => (Array.isArray(i?.orders) ? i.orders : []))
  const pending = orders.find(
    order =>
      !order.cancelled_at &&
      order.financial_status !== 'refunded' &&
      PENDING.has(order.fulfillment_status ?? null)
  )
  if (!pending) return undefined
  context.log(`order ${pending.name ?? pending.id} is not shipped yet`)
  return { skip: `customer has a pending order (${pending.name ?? pending.id})` }
}
