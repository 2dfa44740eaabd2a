import { describe, expect, test } from '@jest/globals'
import {
  backoffMs,
  retryStep,
  parseRetryAfter,
  RETRY_AFTER_CAP_MS,
  type AttemptOutcome,
  type RetryState,
  type RetryStep
} from '../src/gorgias/errors.js'

/** The retry decision as a table: answer x retry-safe x attempts so far -> what the client does. */

const base: RetryState = {
  retrySafe: true,
  failures: 0,
  throttles: 0,
  maxRetries: 4,
  max429Retries: 30,
  random: 0.5
}
const response = (status: number, retryAfterMs?: number): AttemptOutcome =>
  retryAfterMs === undefined
    ? { type: 'response', status }
    : { type: 'response', status, retryAfterMs }
const lost = (maybeSent: boolean, timedOut = false): AttemptOutcome => ({
  type: 'failure',
  maybeSent,
  timedOut
})

const table: Array<[string, AttemptOutcome, Partial<RetryState>, RetryStep]> = [
  ['200 returns', response(200), {}, { do: 'return' }],
  ['201 returns', response(201), { retrySafe: false }, { do: 'return' }],
  ['204 returns', response(204), {}, { do: 'return' }],
  ['429 waits Retry-After', response(429, 3000), {}, { do: 'throttle', ms: 3000 }],
  ['429 without Retry-After lets the pacer wait', response(429), {}, { do: 'throttle', ms: 0 }],
  [
    '429 on a message post is safe to resend',
    response(429, 1000),
    { retrySafe: false },
    { do: 'throttle', ms: 1000 }
  ],
  [
    '429 past its budget gives up',
    response(429, 1000),
    { throttles: 30 },
    { do: 'throw', because: 'rate-limited' }
  ],
  ['400 throws at once', response(400), {}, { do: 'throw', because: 'http-error' }],
  ['401 throws at once', response(401), {}, { do: 'throw', because: 'http-error' }],
  ['403 throws at once', response(403), {}, { do: 'throw', because: 'http-error' }],
  ['404 throws at once', response(404), {}, { do: 'throw', because: 'http-error' }],
  ['409 throws at once', response(409), {}, { do: 'throw', because: 'http-error' }],
  ['422 throws at once', response(422), {}, { do: 'throw', because: 'http-error' }],
  [
    '302 throws at once (never followed)',
    response(302),
    {},
    { do: 'throw', because: 'http-error' }
  ],
  ['500 on a read backs off', response(500), {}, { do: 'backoff', ms: 250 }],
  [
    '503 on the 2nd failure backs off longer',
    response(503),
    { failures: 1 },
    { do: 'backoff', ms: 500 }
  ],
  ['408 is retried like a 5xx', response(408), {}, { do: 'backoff', ms: 250 }],
  [
    '500 past the retries gives up',
    response(500),
    { failures: 4 },
    { do: 'throw', because: 'gave-up' }
  ],
  [
    '500 on a message post is ambiguous',
    response(500),
    { retrySafe: false },
    { do: 'throw', because: 'ambiguous', reason: 'server-error' }
  ],
  ['a reset on a read backs off', lost(true), {}, { do: 'backoff', ms: 250 }],
  [
    'a reset on a message post is ambiguous',
    lost(true),
    { retrySafe: false },
    { do: 'throw', because: 'ambiguous', reason: 'connection-lost' }
  ],
  [
    'a timeout on a message post is ambiguous',
    lost(true, true),
    { retrySafe: false },
    { do: 'throw', because: 'ambiguous', reason: 'timeout' }
  ],
  [
    'a refused connection never sent the post: retried',
    lost(false),
    { retrySafe: false },
    { do: 'backoff', ms: 250 }
  ],
  [
    'a refused connection past the retries gives up',
    lost(false),
    { failures: 4 },
    { do: 'throw', because: 'gave-up' }
  ]
]

describe('retryStep', () => {
  test.each(table)('%s', (_name, attempt, state, expected) => {
    expect(retryStep(attempt, { ...base, ...state })).toEqual(expected)
  })
})

describe('backoff and Retry-After', () => {
  test('full jitter, doubling from 500 ms, capped at 20 s', () => {
    expect([1, 2, 3, 4].map(n => backoffMs(n, 1))).toEqual([500, 1000, 2000, 4000])
    expect(backoffMs(12, 1)).toBe(20_000)
    expect(backoffMs(3, 0)).toBe(0)
  })

  test('Retry-After in seconds or as a date, capped; anything else is ignored', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('3', now)).toBe(3000)
    expect(parseRetryAfter('1.5', now)).toBe(1500)
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000)
    expect(parseRetryAfter('3600', now)).toBe(RETRY_AFTER_CAP_MS)
    expect(parseRetryAfter('-5', now)).toBeUndefined()
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
  })

  test("a Retry-After date is read on the server's clock (its Date header), not the runner's", () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    // The server's clock runs 3 hours ahead: its "in 5 seconds" is 3 hours off on ours.
    const date = 'Thu, 01 Jan 2026 03:00:00 GMT'
    expect(parseRetryAfter('Thu, 01 Jan 2026 03:00:05 GMT', now, date)).toBe(5_000)
    // ... or 3 hours behind: its "in 5 seconds" is long past on ours.
    const behind = 'Wed, 31 Dec 2025 21:00:00 GMT'
    expect(parseRetryAfter('Wed, 31 Dec 2025 21:00:05 GMT', now, behind)).toBe(5_000)
    // Without a readable Date header, the runner's clock.
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now, 'garbage')).toBe(10_000)
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now, null)).toBe(10_000)
  })
})
