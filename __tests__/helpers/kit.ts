/**
 * The shared test kit: settings as the action parses them, "this action's messages" as the policy
 * knows them, and a GorgiasClient that talks to a simulator in process on a fake clock, so that a
 * sweep over a simulated account runs in milliseconds and never waits for real.
 *
 * What stays on real HTTP (see sweep.test.ts): client timeouts and writes that land late, which
 * need a socket and a real clock.
 */
import { parseSettings, type ParseContext, type Settings } from '../../src/config.js'
import type { InputName } from '../../src/inputs.js'
import { GorgiasClient } from '../../src/gorgias/client.js'
import type { ClientOptions } from '../../src/gorgias/transport.js'
import type { Message } from '../../src/gorgias/types.js'
import { isOurs } from '../../src/policy/thread.js'
import type { SweepLog } from '../../src/sweep/index.js'
import type { GorgiasSimulator } from '../../simulator/server.js'
import { inProcessSend } from '../../simulator/inProcess.js'
import { simInputs } from './action.js'

export type Inputs = Partial<Record<InputName, string>>

/** The account of tests that talk to no simulator. */
export const TEST_ACCOUNT: Inputs = {
  'gorgias-domain': 'acme',
  'gorgias-email': 'bot@acme.test',
  'gorgias-api-key': 'k'
}

/**
 * Where an in-memory client says it sends its requests: the simulator ignores the host, and the
 * settings' default api-url for the test account is this very URL.
 */
export const IN_MEMORY_URL = 'https://acme.gorgias.com/api'

/**
 * Settings as the action parses them from its inputs: the simulator's credentials (and its
 * api-url once it listens), or the test account's; `inputs` on top.
 */
export function settingsFor(
  sim: GorgiasSimulator | null,
  inputs: Inputs = {},
  ctx: ParseContext = {}
): Settings {
  const account: Inputs =
    sim === null
      ? TEST_ACCOUNT
      : sim.listening
        ? simInputs(sim)
        : { ...TEST_ACCOUNT, 'gorgias-email': sim.email, 'gorgias-api-key': sim.apiKey }
  const all = { ...account, ...inputs }
  return parseSettings(name => all[name] ?? '', ctx)
}

/** This action's messages among these, by the policy's own marker test. */
export function ourMessages(messages: Message[]): Message[] {
  return messages.filter(isOurs)
}

/** This action's messages on the simulator's ticket. */
export function ours(sim: GorgiasSimulator, ticketId: number): Message[] {
  return ourMessages(sim.messages(ticketId))
}

/**
 * Time that passes only when something waits for it. Every sleep is a timer on this clock; when
 * the process has nothing else to do (setImmediate), the earliest timer fires and the clock jumps
 * to it. Pacing, Retry-After and backoff then cost no real time, in the order real time would
 * have given them.
 */
export class FakeClock {
  #ms = 0
  #seq = 0
  #ticking = false
  readonly #timers: Array<{ at: number; seq: number; wake: () => void }> = []

  /** `epoch`: the wall-clock time at which this clock reads 0. */
  constructor(readonly epoch = Date.now()) {}

  /** Monotonic ms since the clock was made: the client's `now`. */
  readonly now = (): number => this.#ms

  /** The wall clock on this time: a sweep's `now`. */
  readonly date = (): Date => new Date(this.epoch + this.#ms)

  readonly sleep = (ms: number): Promise<void> =>
    new Promise(wake => {
      this.#timers.push({ at: this.#ms + Math.max(0, ms), seq: this.#seq++, wake })
      this.#tick()
    })

  /** Moves the time on by hand (timers due by then fire in turn, as the process idles). */
  advance(ms: number): void {
    this.#ms += ms
  }

  #tick(): void {
    if (this.#ticking) return
    this.#ticking = true
    setImmediate(() => {
      this.#ticking = false
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
      const next = this.#timers.shift()
      if (!next) return
      this.#ms = Math.max(this.#ms, next.at)
      next.wake()
      if (this.#timers.length > 0) this.#tick()
    })
  }
}

/** The client's one HTTP attempt, answered by `sim.request` in process (see the simulator). */
export const inMemorySend = inProcessSend

export interface InMemoryOptions extends Partial<Omit<ClientOptions, 'send'>> {
  /** Pacing, Retry-After and backoff wait on it; default a new FakeClock. */
  clock?: FakeClock
}

/**
 * A GorgiasClient whose requests go to `sim.request`, with the simulator's credentials, waiting
 * on a fake clock (`options.clock`, else its own), with a fixed jitter. Any client option may be
 * given on top, e.g. `rateLimitShare`, `deadline` (on the clock's `now`).
 */
export function inMemoryClient(
  sim: GorgiasSimulator,
  options: InMemoryOptions = {}
): GorgiasClient {
  const { clock = new FakeClock(), ...rest } = options
  return new GorgiasClient({
    baseUrl: IN_MEMORY_URL,
    email: sim.email,
    apiKey: sim.apiKey,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    ...rest,
    send: inMemorySend(sim)
  })
}

/** A sweep log that keeps its lines (`warning: ...`, `group: ...` prefixed) for assertions. */
export function recordingLog(): SweepLog & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: m => void lines.push(m),
    warning: m => void lines.push(`warning: ${m}`),
    startGroup: m => void lines.push(`group: ${m}`),
    endGroup: () => undefined
  }
}
