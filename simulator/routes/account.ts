/** The account: `GET /api/account`, with its `settings` (business hours among them). */
import type { Result } from '../results.js'
import type { RouteContext } from './context.js'

export function getAccount(ctx: RouteContext): Result {
  return {
    status: 200,
    body: {
      domain: 'acme',
      status: { status: 'active' },
      settings: structuredClone(ctx.store.accountSettings)
    }
  }
}
