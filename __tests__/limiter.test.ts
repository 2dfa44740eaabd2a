import { describe, expect, it } from '@jest/globals'
import { RateLimiter, parseBucketHeader, type BucketReading } from '../src/gorgias/limiter.js'

/** Simulated time: timers fire in order, each only once everything else has settled. */
class FakeClock {
  time = 0
  private timers: { at: number; seq: number; resolve: () => void }[] = []
  private seq = 0

  now = (): number => this.time

  sleep = (ms: number): Promise<void> =>
    new Promise(resolve => this.timers.push({ at: this.time + ms, seq: this.seq++, resolve }))

  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false
    work.then(
      () => (settled = true),
      () => (settled = true)
    )
    for (;;) {
      await new Promise(resolve => setImmediate(resolve))
      if (settled) return work
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
      const next = this.timers.shift()
      if (!next) throw new Error('deadlock: nothing left to wait for')
      this.time = Math.max(this.time, next.at)
      next.resolve()
    }
  }
}

/** The server's leaky bucket, counting a request when it arrives. */
class ServerBucket {
  level = 0
  peak = 0
  rejected = 0
  private at = 0

  constructor(
    private readonly limit: number,
    private readonly windowMs: number
  ) {}

  private drain(now: number) {
    this.level = Math.max(0, this.level - ((now - this.at) * this.limit) / this.windowMs)
    this.at = now
  }

  hit(now: number): void {
    this.drain(now)
    if (this.level + 1 > this.limit + 1e-9) {
      this.rejected++
      return
    }
    this.level += 1
    this.peak = Math.max(this.peak, this.level)
  }

  reading(now: number): BucketReading {
    this.drain(now)
    return { used: Math.ceil(this.level - 1e-9), limit: this.limit }
  }
}

interface RunOptions {
  n: number
  limit?: number
  windowMs?: number
  concurrency?: number
  latencyMs?: number
  /** Send the server's header back to the limiter with each response. */
  sync?: boolean
  /** Another integration on the same account: one request every this many ms. */
  foreignEveryMs?: number
  /** The server's real window, when it differs from what the limiter was told. */
  serverWindowMs?: number
}

async function simulate(opts: RunOptions) {
  const limit = opts.limit ?? 40
  const windowMs = opts.windowMs ?? 20_000
  const clock = new FakeClock()
  const server = new ServerBucket(limit, opts.serverWindowMs ?? windowMs)
  const limiter = new RateLimiter<number>({
    limit,
    windowMs,
    concurrency: opts.concurrency ?? 4,
    now: clock.now,
    sleep: clock.sleep
  })
  const order: number[] = []
  let inFlight = 0
  let maxInFlight = 0
  let finished = false
  const foreign = async () => {
    while (!finished && opts.foreignEveryMs) {
      server.hit(clock.now())
      await clock.sleep(opts.foreignEveryMs)
    }
  }
  const requests = Array.from({ length: opts.n }, async (_, i) => {
    const permit = await limiter.acquire(i)
    order.push(i)
    maxInFlight = Math.max(maxInFlight, ++inFlight)
    server.hit(clock.now())
    if (opts.latencyMs) await clock.sleep(opts.latencyMs)
    inFlight--
    limiter.complete(permit, opts.sync ? server.reading(clock.now()) : undefined)
  })
  void foreign()
  await clock.run(Promise.all(requests).then(() => (finished = true)))
  return { elapsed: clock.time, server, order, maxInFlight, limiter }
}

/** Gorgias's bucket (40 per 20 s) on a fake clock; `extra` sets concurrency (4 unless given), onWait. */
function gorgiasBucket<T>(
  clock: FakeClock,
  extra: { concurrency?: number; onWait?: (ms: number) => void } = {}
): RateLimiter<T> {
  const { concurrency = 4, onWait } = extra
  return new RateLimiter<T>({
    limit: 40,
    windowMs: 20_000,
    concurrency,
    now: clock.now,
    sleep: clock.sleep,
    onWait
  })
}

describe('RateLimiter', () => {
  it('follows the header down when the server drains faster than the documented window', async () => {
    // Told 40 per 20 s; the server really allows 40 per 500 ms and says so in every header.
    const { elapsed, server } = await simulate({
      n: 400,
      latencyMs: 5,
      sync: true,
      serverWindowMs: 500
    })
    expect(server.rejected).toBe(0)
    // Ideal: (400 - 40) / 80 per s = 4.5 s. Without following the header down: (400 - 38) / 2 = 181 s.
    expect(elapsed).toBeLessThan(4500 * 1.3)
  })

  it('bursts, then paces 100 requests at 40/20 s to (100 - 40 + margin) / 2 s', async () => {
    const { elapsed, server, order } = await simulate({ n: 100 })
    expect(elapsed).toBeGreaterThanOrEqual(31_000 - 1)
    expect(elapsed).toBeLessThanOrEqual(31_100)
    expect(server.rejected).toBe(0)
    expect(server.peak).toBeLessThanOrEqual(38)
    expect(order).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })

  it('keeps the pace with slow responses and honest headers, never over the bucket', async () => {
    const { elapsed, server, maxInFlight } = await simulate({ n: 200, latencyMs: 300, sync: true })
    const ideal = ((200 - 40) / 40) * 20_000
    expect(server.rejected).toBe(0)
    expect(server.peak).toBeLessThanOrEqual(40)
    expect(maxInFlight).toBeLessThanOrEqual(4)
    expect(elapsed).toBeLessThanOrEqual(ideal * 1.15)
  })

  it('works at a scaled-down window (40 per 500 ms) with exact waits', async () => {
    const { elapsed, server } = await simulate({
      n: 1000,
      windowMs: 500,
      latencyMs: 5,
      concurrency: 4,
      sync: true
    })
    const ideal = ((1000 - 40) / 40) * 500
    expect(server.rejected).toBe(0)
    expect(elapsed).toBeLessThanOrEqual(ideal * 1.15)
  })

  it('slows down when another integration shares the bucket (learned from the header)', async () => {
    const { elapsed, server } = await simulate({
      n: 200,
      latencyMs: 200,
      sync: true,
      foreignEveryMs: 2_000
    })
    expect(server.rejected).toBe(0)
    // 2/s for the account, 0.5/s taken by the other integration.
    expect(elapsed).toBeGreaterThan(((200 - 40) / 1.5) * 1000 * 0.85)
  })

  it('never has more than `concurrency` requests in flight', async () => {
    const clock = new FakeClock()
    const limiter = gorgiasBucket<number>(clock, { concurrency: 3 })
    const admitted: number[] = []
    const permits = [0, 1, 2, 3, 4].map(i => limiter.acquire(i).then(p => (admitted.push(i), p)))
    await new Promise(resolve => setImmediate(resolve))
    expect(admitted).toEqual([0, 1, 2])
    expect(limiter.snapshot()).toMatchObject({ inFlight: 3, queued: 2 })
    limiter.complete(await permits[1]!)
    await new Promise(resolve => setImmediate(resolve))
    expect(admitted).toEqual([0, 1, 2, 3])
    // A permit given back twice frees only one slot.
    limiter.complete(await permits[1]!)
    await new Promise(resolve => setImmediate(resolve))
    expect(admitted).toEqual([0, 1, 2, 3])
    limiter.complete(await permits[0]!)
    await new Promise(resolve => setImmediate(resolve))
    expect(admitted).toEqual([0, 1, 2, 3, 4])
    expect(clock.time).toBe(0)
  })

  it('takes the server level when higher, counting requests sent after the answered one', async () => {
    const clock = new FakeClock()
    const waits: number[] = []
    const limiter = gorgiasBucket<string>(clock, { concurrency: 100, onWait: ms => waits.push(ms) })
    const first = await limiter.acquire('a')
    const second = await limiter.acquire('b')
    // The server counts 30 (someone else is busy) when answering the first: ours is 2.
    limiter.complete(first, { used: 30, limit: 40 })
    expect(limiter.snapshot().level).toBe(31) // 30 + the second, possibly not counted yet
    // A lower or equal reading never lowers our estimate, nor does rounding within one request.
    limiter.complete(second, { used: 31, limit: 40 })
    expect(limiter.snapshot().level).toBe(31)
    // 31 + 6 = 37 fit under the margin at once; the 8th waits for one slot to drain (500 ms).
    const burst = Array.from({ length: 8 }, () => limiter.acquire('c'))
    await clock.run(Promise.all(burst))
    expect(waits).toEqual([500])
    expect(clock.time).toBe(500)
  })

  it('reads a level above the limit as a full bucket: the wait is one window at most', async () => {
    const clock = new FakeClock()
    const limiter = gorgiasBucket<string>(clock)
    // A bucket cannot hold more than its size: "1000000/40" is a broken header, not days to wait.
    limiter.complete(await limiter.acquire('a'), { used: 1_000_000, limit: 40 })
    await clock.run(limiter.acquire('b'))
    expect(clock.time).toBe(1_500) // as after a 429: from 40 down to 37, three slots at 2/s
  })

  it('takes the limit from the header', async () => {
    const clock = new FakeClock()
    const limiter = gorgiasBucket<string>(clock, { concurrency: 100 })
    limiter.complete(await limiter.acquire('a'), { used: 1, limit: 80 })
    expect(limiter.snapshot().limit).toBe(80)
    await clock.run(Promise.all(Array.from({ length: 77 }, () => limiter.acquire('b'))))
    expect(clock.time).toBe(0) // 78 = 80 - margin, no wait
  })

  it('after a 429 (markFull) and a pause, waits before admitting anything', async () => {
    const clock = new FakeClock()
    const limiter = gorgiasBucket<string>(clock)
    limiter.markFull()
    await clock.run(limiter.acquire('a'))
    expect(clock.time).toBe(1_500) // from 40 down to 37: three slots at 2/s
    limiter.pause(5_000)
    await clock.run(limiter.acquire('b'))
    expect(clock.time).toBe(6_500)
  })

  it('parses the rate-limit header and ignores anything else', () => {
    expect(parseBucketHeader('10/40')).toEqual({ used: 10, limit: 40 })
    expect(parseBucketHeader(' 3 / 80 ')).toEqual({ used: 3, limit: 80 })
    for (const bad of [null, undefined, '', '40', 'a/b', '10/0', '-1/40', '1.5/40']) {
      expect(parseBucketHeader(bad)).toBeUndefined()
    }
  })
})
