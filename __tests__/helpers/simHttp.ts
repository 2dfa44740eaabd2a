/** Talking to a simulator over real HTTP from a test: started instances, and one JSON call. */
import { afterEach } from '@jest/globals'
import { GorgiasSimulator, type SimulatorOptions } from '../../simulator/server.js'

export interface Reply<T = unknown> {
  status: number
  headers: Headers
  json: T
  text: string
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
}

/** Simulators started by `startSim` in this test file, stopped after each test. */
export function simulators(defaults: SimulatorOptions = {}) {
  const running: GorgiasSimulator[] = []
  afterEach(async () => {
    await Promise.all(running.splice(0).map(s => s.stop()))
  })
  return async (opts: SimulatorOptions = {}): Promise<GorgiasSimulator> => {
    const sim = new GorgiasSimulator({ ...defaults, ...opts })
    running.push(sim)
    await sim.start()
    return sim
  }
}

/**
 * One authenticated JSON request. `path` is relative to the base URL (`/tickets`) or, when it
 * starts with `/api/`, a path as the API itself links it (`meta.next_items`).
 */
export async function call<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON boundary
  sim: GorgiasSimulator,
  method: string,
  path: string,
  body?: unknown,
  /** the Authorization header; null sends none */
  auth: string | null = basic(sim.email, sim.apiKey)
): Promise<Reply<T>> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (auth !== null) headers.authorization = auth
  if (body !== undefined) headers['content-type'] = 'application/json'
  const url = path.startsWith('/api/')
    ? `${sim.baseUrl.replace(/\/api$/, '')}${path}`
    : `${sim.baseUrl}${path}`
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  })
  const text = await res.text()
  let json: unknown
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    // Malformed bodies are tested through `text`.
  }
  return { status: res.status, headers: res.headers, json: json as T, text }
}
