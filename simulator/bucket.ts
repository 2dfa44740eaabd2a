/**
 * Gorgias's rate limit: a leaky bucket per account
 * (https://developers.gorgias.com/reference/limitations). Every admitted request
 * adds 1; the bucket drains `limit` per `windowMs` continuously; a request that would overflow it
 * is refused with a wait in whole seconds. It runs on real time (performance.now), not on the
 * simulator's clock, because clients pace themselves on real time; a test whose client paces on a
 * fake clock hands that clock in.
 */
import { performance } from 'node:perf_hooks'

export interface RateLimit {
  limit: number
  windowMs: number
}

export class LeakyBucket {
  readonly #rate: RateLimit | false
  readonly #now: () => number
  #level = 0
  #levelAt: number
  #peak = 0

  /** false = unlimited; `now` in ms, monotonic. */
  constructor(rate: RateLimit | false, now: () => number = () => performance.now()) {
    if (rate !== false && (!(rate.limit >= 1) || !(rate.windowMs > 0))) {
      throw new RangeError('rateLimit needs limit >= 1 and windowMs > 0')
    }
    this.#rate = rate
    this.#now = now
    this.#levelAt = now()
  }

  get rate(): RateLimit | false {
    return this.#rate
  }

  /** Admits one request (null) or says how many seconds to wait before retrying. */
  admit(): number | null {
    if (this.#rate === false) return null
    const { limit, windowMs } = this.#rate
    const level = this.level()
    if (level + 1 > limit + 1e-9) {
      const waitMs = (level + 1 - limit) / (limit / windowMs)
      return Math.max(1, Math.ceil(waitMs / 1000))
    }
    this.#level = level + 1
    this.#peak = Math.max(this.#peak, this.#level)
    return null
  }

  /** Current level, drained up to now (0 when unlimited). */
  level(): number {
    if (this.#rate === false) return 0
    const t = this.#now()
    const drained = ((t - this.#levelAt) * this.#rate.limit) / this.#rate.windowMs
    this.#level = Math.max(0, this.#level - drained)
    this.#levelAt = t
    return this.#level
  }

  /** Highest level reached since creation or the last resetPeak (0 when unlimited). */
  peak(): number {
    return this.#peak
  }

  /** Starts a new peak measurement from the current level. */
  resetPeak(): void {
    this.#peak = this.level()
  }

  /** Value of `X-Gorgias-Account-Api-Call-Limit`: `used/limit`. */
  header(): string {
    // Unlimited still answers with Gorgias' API-key limit, as if the bucket were empty, so that
    // clients pacing by the header run at full speed in unit tests.
    if (this.#rate === false) return '0/40'
    const used = Math.min(this.#rate.limit, Math.ceil(this.level() - 1e-9))
    return `${used}/${this.#rate.limit}`
  }

  /** The 429 message. */
  describe(): string {
    const limit = this.#rate === false ? 0 : this.#rate.limit
    const windowS = this.#rate === false ? 0 : this.#rate.windowMs / 1000
    return `Too many requests: this account is limited to ${limit} API calls per ${windowS} seconds`
  }
}
