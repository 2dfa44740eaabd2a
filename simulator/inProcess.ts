/** The client's one HTTP attempt answered in process: tests and the bench run sweeps without sockets. */
import { RATE_LIMIT_HEADER } from '../src/gorgias/limiter.js'
import type { Attempt, sendOnce } from '../src/gorgias/transport.js'
import type { GorgiasSimulator } from './server.js'
import { ConnectionLost } from './transport.js'

/**
 * The client's one HTTP attempt, answered by `sim.request` in process. A connection the
 * simulator dropped is what node-fetch reports for a reset: a failure that may have been sent.
 * There is no timeout here: a test of timeouts needs a socket and a real clock (sendOnce).
 */
export function inProcessSend(sim: GorgiasSimulator): typeof sendOnce {
  return async (url, init): Promise<Attempt> => {
    try {
      const res = await sim.request({
        method: init.method,
        url,
        headers: init.headers,
        ...(init.body === undefined ? {} : { body: init.body })
      })
      const header = (name: string): string | null =>
        Object.entries(res.headers).find(([k]) => k.toLowerCase() === name)?.[1] ?? null
      return {
        type: 'response',
        status: res.status,
        text: res.text,
        retryAfter: header('retry-after'),
        limitHeader: header(RATE_LIMIT_HEADER),
        date: header('date')
      }
    } catch (err) {
      if (!(err instanceof ConnectionLost)) throw err
      return { type: 'failure', cause: err.code, maybeSent: true, timedOut: false }
    }
  }
}
