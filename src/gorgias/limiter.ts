/**
 * Client-side model of Gorgias's per-account leaky bucket
 * (https://developers.gorgias.com/reference/limitations): `limit` requests per `windowMs`, draining
 * continuously. A request adds 1 to the level when sent (before the server counts it: the estimate
 * errs on the safe side), and is admitted only while the level stays `margin` slots below the
 * limit (so skew and rounding never cause a 429) and fewer than `concurrency` are in flight.
 * Waiters go FIFO. Time comes from the injected `now`/`sleep`: tests drive it with a fake clock.
 */

interface LimiterOptions<Tag> {
  limit: number
  windowMs: number
  concurrency: number
  /** Slots kept free below the server's limit. Default 2. */
  margin?: number
  /**
   * Fraction of the bucket this client may fill (0 < share <= 1, default 1): the store's other
   * apps and agents drain the account's bucket too, and a background sweep makes way for them.
   */
  share?: number
  now: () => number
  sleep: (ms: number) => Promise<void>
  /** Called each time the head of the queue has to wait for the bucket (or a pause). */
  onWait?: (ms: number, tag: Tag) => void
}

/** What the `X-Gorgias-Account-Api-Call-Limit: used/limit` header says. */
export interface BucketReading {
  used: number
  limit: number
}

interface Permit {
  readonly seq: number
}

interface Waiter<Tag> {
  tag: Tag
  resolve: (permit: Permit) => void
  reject: (err: unknown) => void
}

// Float noise in the drain arithmetic must not turn "exactly room for one" into a 1 ms sleep.
const EPSILON = 1e-9

export class RateLimiter<Tag = string> {
  private limit: number
  private readonly margin: number
  private readonly share: number

  private level = 0
  private updatedAt: number
  private pausedUntil = -Infinity
  private inFlight = 0
  private sent = 0
  private readonly live = new Set<number>()
  private readonly queue: Waiter<Tag>[] = []
  private pumping = false
  private wakeOnRelease: (() => void) | undefined

  constructor(private readonly opts: LimiterOptions<Tag>) {
    if (!(opts.limit >= 1) || !(opts.windowMs > 0) || !(opts.concurrency >= 1)) {
      throw new RangeError('RateLimiter needs limit >= 1, windowMs > 0 and concurrency >= 1')
    }
    this.share = opts.share ?? 1
    if (!(this.share > 0 && this.share <= 1)) {
      throw new RangeError('RateLimiter share must be in (0, 1]')
    }
    this.limit = opts.limit
    this.margin = Math.max(0, opts.margin ?? 2)
    this.updatedAt = opts.now()
  }

  /** Resolves when the request may be sent. Every permit must be given back with `complete`. */
  acquire(tag: Tag): Promise<Permit> {
    return new Promise<Permit>((resolve, reject) => {
      this.queue.push({ tag, resolve, reject })
      if (!this.pumping) void this.pump()
    })
  }

  /**
   * The request is over. `reading` re-syncs the model: the limit as is, and the level follows the
   * server's count when they differ by a whole request or more, either way (another integration
   * shares the bucket, or the server drains faster: the header is the authority). Requests admitted
   * after this one may not be in the server's `used` yet, so they are added back on top of it.
   */
  complete(permit: Permit, reading?: BucketReading): void {
    if (!this.live.delete(permit.seq)) return
    this.inFlight--
    if (reading) this.sync(permit.seq, reading)
    const wake = this.wakeOnRelease
    this.wakeOnRelease = undefined
    wake?.()
  }

  /** A 429 says the server's bucket is full whatever we thought: start again from full. */
  markFull(): void {
    this.drain()
    this.level = Math.max(this.level, this.limit)
  }

  /** Admit nothing for `ms` (the server's Retry-After applies to the whole account). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.opts.now() + ms)
  }

  snapshot(): { level: number; limit: number; inFlight: number; queued: number } {
    this.drain()
    const { level, limit, inFlight } = this
    return { level, limit, inFlight, queued: this.queue.length }
  }

  private sync(seq: number, reading: BucketReading): void {
    this.drain()
    if (Number.isFinite(reading.limit) && reading.limit >= 1) this.limit = reading.limit
    if (!Number.isFinite(reading.used)) return
    // A bucket holds `limit` at most: a count above it is full, not hours of waiting.
    const used = Math.min(reading.used, this.limit)
    const sentAfter = this.sent - seq
    const expected = this.level - sentAfter
    if (Math.abs(used - expected) >= 1) this.level = Math.max(0, used + sentAfter)
  }

  private drain(): void {
    const now = this.opts.now()
    const drained = ((now - this.updatedAt) * this.limit) / this.opts.windowMs
    if (drained > 0) this.level = Math.max(0, this.level - drained)
    this.updatedAt = Math.max(this.updatedAt, now)
  }

  /** Ms until the head of the queue may go, as far as the bucket and pauses are concerned. */
  private delay(): number {
    this.drain()
    // One more request fits while level + 1 <= min(limit - margin, share x limit), and at least
    // one slot always.
    const top = Math.min(this.limit - this.margin, Math.floor(this.limit * this.share + EPSILON))
    const ceiling = Math.max(1, top) - 1
    const excess = this.level - ceiling
    const bucketWait = excess > EPSILON ? (excess * this.opts.windowMs) / this.limit : 0
    return Math.max(bucketWait, this.pausedUntil - this.opts.now(), 0)
  }

  private async pump(): Promise<void> {
    this.pumping = true
    try {
      for (let head = this.queue[0]; head; head = this.queue[0]) {
        if (this.inFlight >= Math.floor(this.opts.concurrency)) {
          await new Promise<void>(resolve => (this.wakeOnRelease = resolve))
          continue
        }
        const wait = this.delay()
        if (wait > 0) {
          // Whole ms: setTimeout cannot do better, and a wake-up a fraction early would only
          // cost a second 1 ms sleep.
          const ms = Math.ceil(wait)
          this.opts.onWait?.(ms, head.tag)
          await this.opts.sleep(ms)
          continue
        }
        this.queue.shift()
        this.level += 1
        this.inFlight++
        this.sent++
        this.live.add(this.sent)
        head.resolve({ seq: this.sent })
      }
    } catch (err) {
      for (const waiter of this.queue.splice(0)) waiter.reject(err)
    } finally {
      this.pumping = false
    }
  }
}

export const RATE_LIMIT_HEADER = 'x-gorgias-account-api-call-limit'

/** Parses `X-Gorgias-Account-Api-Call-Limit` ("10/40"); anything else is ignored. */
export function parseBucketHeader(value: string | null | undefined): BucketReading | undefined {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value ?? '')
  if (!match) return undefined
  const used = Number(match[1])
  const limit = Number(match[2])
  return limit >= 1 ? { used, limit } : undefined
}
