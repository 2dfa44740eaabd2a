/** Injected faults: rules matched against each request, in order, each consumed `times` times. */

export type Fault =
  /**
   * Answer with this status (and body, default a JSON error); the request is not processed. Any
   * status 100-599, e.g. 202 with `{}` for an asynchronous search that returned no items.
   */
  | { kind: 'status'; status: number; retryAfter?: number; body?: unknown }
  /** Destroy the socket without answering; the request is not processed. */
  | { kind: 'reset' }
  /** Process the request fully (state changes), then destroy the socket without answering. */
  | { kind: 'reset-after-processing' }
  /** Process the request, but answer only after `ms`. */
  | { kind: 'delay'; ms: number }
  /** Answer 200 with this raw body; the request is not processed. */
  | { kind: 'malformed'; body: string }

export interface FaultRule {
  /** Case-insensitive; any method when absent. */
  method?: string
  /**
   * A string matches the path exactly, with or without the `/api` prefix (`/tickets/5` or
   * `/api/tickets/5`); a RegExp is tested against the full path (`/api/tickets/5`). Any path when
   * absent.
   */
  path?: string | RegExp
  /** How many matching requests get the fault; default 1, Infinity for all. */
  times?: number
  fault: Fault
}

export class FaultRules {
  readonly #rules: Array<FaultRule & { left: number }> = []

  add(rule: FaultRule): void {
    const times = rule.times ?? 1
    if (!(times >= 1)) throw new RangeError('times must be >= 1')
    if (rule.fault.kind === 'status' && !(rule.fault.status >= 100 && rule.fault.status <= 599)) {
      throw new RangeError(`bad status ${rule.fault.status}`)
    }
    this.#rules.push({ ...rule, left: times })
  }

  clear(): void {
    this.#rules.length = 0
  }

  /** The fault of the first live rule matching this request (consuming it), else null. */
  take(method: string, path: string): Fault | null {
    for (const rule of this.#rules) {
      if (rule.left <= 0 || !matches(rule, method, path)) continue
      rule.left--
      return rule.fault
    }
    return null
  }
}

function matches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== method) return false
  if (rule.path === undefined) return true
  if (typeof rule.path === 'string') return rule.path === path || `/api${rule.path}` === path
  rule.path.lastIndex = 0
  return rule.path.test(path)
}
