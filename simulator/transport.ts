/**
 * The simulator's edge: a real node:http server on 127.0.0.1, an in-process entry (`request`) for
 * tests that need no socket, and the one path every request takes from either: body and log
 * entry, latency, HTTP Basic auth, the rate-limit bucket, hooks, injected faults, then the route;
 * every answer carries `X-Gorgias-Account-Api-Call-Limit`.
 */
import http from 'node:http'
import type { Socket } from 'node:net'
import type { LeakyBucket } from './bucket.js'
import type { Fault, FaultRules } from './faults.js'
import { HttpError, errorResult, type Result } from './results.js'
import { isDeprecated, matchRoute, type RouteMatch } from './routes/index.js'
import type { RouteRequest } from './routes/context.js'
import type { RequestHook, RequestLogEntry } from './types.js'

const MAX_BODY_BYTES = 1024 * 1024

export interface TransportOptions {
  email: string
  apiKey: string
  latencyMs: number
  bucket: LeakyBucket
  faults: FaultRules
  /** The server's clock, for the `Date` header every answer carries (RFC 9110, 6.6.1). */
  now: () => Date
  /** The `Retry-After` value of a wait in whole seconds (seconds, or an HTTP date). */
  retryAfter: (seconds: number) => string
  /** Runs the API logic; throws HttpError for an error answer. `origin`: the host asked. */
  route: (req: Omit<RouteRequest, 'id'> & { origin: string }, match: RouteMatch | null) => Result
}

/** A request handed in without a socket: what `GorgiasSimulator.request` takes. */
export interface InProcessRequest {
  method: string
  /** A full URL or a path with its query (`/api/tickets?limit=30`); only the path and query count. */
  url: string
  /** Header names in any case; only `Authorization` is read. */
  headers: Record<string, string>
  body?: string
}

/** The answer as a client would read it off the wire. */
export interface InProcessResponse {
  status: number
  headers: Record<string, string>
  text: string
}

/** An in-process request whose connection a `reset` fault dropped, with or without processing. */
export class ConnectionLost extends Error {
  /** What Node names a connection reset by the peer. */
  readonly code = 'ECONNRESET'
  constructor() {
    super('socket hang up (the simulator dropped the connection)')
    this.name = 'ConnectionLost'
  }
}

/** A request as it arrives, whatever carried it. */
interface Arrival {
  method: string
  url: string
  authorization: string | undefined
  /** null: larger than the simulator accepts */
  body: string | null
}

interface Incoming {
  method: string
  path: string
  query: URLSearchParams
  /** The raw query string, without the leading `?`. */
  search: string
  body: unknown
  badJson: boolean
  match: RouteMatch | null
  /** `http://HOST` the request came to (its Host header; in process, its URL's, if any). */
  origin: string
}

export class Transport {
  readonly log: RequestLogEntry[] = []
  readonly hooks: RequestHook[] = []
  throttled = 0

  readonly #opts: TransportOptions
  #server: http.Server | null = null
  #baseUrl: string | null = null
  readonly #sockets = new Set<Socket>()
  /** Pending sleeps, released on stop so no handler outlives the server. */
  readonly #sleeps = new Map<NodeJS.Timeout, () => void>()

  constructor(opts: TransportOptions) {
    this.#opts = opts
  }

  get baseUrl(): string | null {
    return this.#baseUrl
  }

  /** Listens on 127.0.0.1 (port 0 = any free port); resolves to the base URL ending in `/api`. */
  async start(port: number): Promise<string> {
    if (this.#server) throw new Error('simulator already started')
    const server = http.createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        const msg = err instanceof Error ? err.message : String(err)
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' })
          res.end(JSON.stringify({ error: { msg: `simulator error: ${msg}` } }))
        }
      })
    })
    // Longer than any pause a paced client takes between requests (a 40/20 s bucket can make it
    // wait several seconds): Node's 5 s default closes idle keep-alive sockets under the client,
    // and a request racing that close fails with a reset nobody injected.
    server.keepAliveTimeout = 65_000
    server.headersTimeout = 66_000
    server.on('connection', socket => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no TCP address')
    this.#server = server
    this.#baseUrl = `http://127.0.0.1:${address.port}/api`
    return this.#baseUrl
  }

  /**
   * Closes the server and every open socket; pending delayed answers are dropped (in process,
   * they are answered at once).
   */
  async stop(): Promise<void> {
    // In-process requests sleep too, with or without a server.
    for (const [timer, release] of this.#sleeps) {
      clearTimeout(timer)
      release()
    }
    this.#sleeps.clear()
    const server = this.#server
    if (!server) return
    this.#server = null
    const closed = new Promise<void>(resolve => server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    this.#sockets.clear()
    await closed
  }

  /**
   * One request without a socket, through exactly the path an HTTP request takes. A `reset` fault
   * (before or after processing) rejects with ConnectionLost, as a dropped connection would fail
   * the client's request; `delay` and `latencyMs` wait for real.
   */
  async request(req: InProcessRequest): Promise<InProcessResponse> {
    const body = req.body ?? ''
    const answer = await this.#serve({
      method: req.method,
      url: req.url,
      authorization: headerValue(req.headers, 'authorization'),
      body: Buffer.byteLength(body) > MAX_BODY_BYTES ? null : body
    })
    if (answer === 'reset') throw new ConnectionLost()
    return answer
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const answer = await this.#serve({
      method: req.method ?? 'GET',
      url: `http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`,
      authorization: req.headers.authorization,
      body: await readBody(req)
    })
    if (answer === 'reset') return resetSocket(req.socket)
    if (res.destroyed || res.writableEnded || !res.socket || res.socket.destroyed) return
    res.writeHead(answer.status, answer.headers)
    res.end(answer.text)
  }

  /** The request logged, then answered (or dropped): the one path of every request. */
  async #serve(arrival: Arrival): Promise<InProcessResponse | 'reset'> {
    const incoming = parseIncoming(arrival)
    const entry: RequestLogEntry = {
      method: incoming.method,
      path: incoming.path,
      query: incoming.search,
      status: 0,
      body: incoming.body,
      at: Date.now(),
      route: `${incoming.method} ${incoming.match?.route.template ?? '(unknown)'}`,
      processed: false,
      ...(isDeprecated(incoming.method, incoming.match) ? { deprecated: true as const } : {})
    }
    this.log.push(entry)
    let outcome: Result | 'reset'
    try {
      outcome = await this.#process(arrival, incoming, entry)
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err)
      outcome = errorResult(500, `simulator error: ${msg}`)
    }
    if (outcome === 'reset') return outcome
    entry.status = outcome.status
    return this.#render(outcome)
  }

  async #process(
    arrival: Arrival,
    incoming: Incoming,
    entry: RequestLogEntry
  ): Promise<Result | 'reset'> {
    if (arrival.body === null) return errorResult(413, 'Request body too large')
    if (this.#opts.latencyMs > 0) await this.#sleep(this.#opts.latencyMs)

    const refused = await this.#gate(arrival.authorization, incoming)
    if (refused) return refused

    const run = (): Result => {
      entry.processed = true
      try {
        if (incoming.badJson) throw new HttpError(400, 'Invalid JSON in request body')
        return this.#opts.route(incoming, incoming.match)
      } catch (err) {
        if (err instanceof HttpError) return errorResult(err.status, err.message, err.data)
        throw err
      }
    }
    const fault = this.#opts.faults.take(incoming.method, incoming.path)
    if (!fault) return run()
    entry.fault = fault.kind
    return this.#inject(fault, entry, run)
  }

  /** Auth, then the bucket, then the hooks: the answer that stops the request here, if any. */
  async #gate(authorization: string | undefined, incoming: Incoming): Promise<Result | null> {
    const authError = this.#checkAuth(authorization)
    if (authError !== null) {
      return {
        ...errorResult(401, authError),
        headers: { 'WWW-Authenticate': 'Basic realm="Gorgias API"' }
      }
    }
    const retryAfter = this.#opts.bucket.admit()
    if (retryAfter !== null) {
      this.throttled++
      return {
        ...errorResult(429, this.#opts.bucket.describe()),
        headers: { 'Retry-After': this.#opts.retryAfter(retryAfter) }
      }
    }
    try {
      const { method, path, query, body } = incoming
      for (const hook of [...this.hooks]) {
        await hook({ method, path, query: new URLSearchParams(query), body })
      }
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err)
      return errorResult(500, `simulator onRequest hook failed: ${msg}`)
    }
    return null
  }

  /** The fault's answer, or 'reset' for a connection dropped without one. */
  async #inject(
    fault: Fault,
    entry: RequestLogEntry,
    run: () => Result
  ): Promise<Result | 'reset'> {
    switch (fault.kind) {
      case 'status': {
        if (fault.status === 429) this.throttled++
        const result: Result =
          fault.body === undefined
            ? errorResult(fault.status, http.STATUS_CODES[fault.status] ?? 'Error')
            : typeof fault.body === 'string'
              ? { status: fault.status, raw: fault.body }
              : { status: fault.status, body: fault.body }
        if (fault.retryAfter !== undefined) {
          result.headers = {
            ...result.headers,
            'Retry-After': this.#opts.retryAfter(fault.retryAfter)
          }
        }
        return result
      }
      case 'reset':
        return 'reset'
      case 'reset-after-processing':
        entry.status = run().status
        return 'reset'
      case 'delay': {
        const result = run()
        await this.#sleep(fault.ms)
        return result
      }
      case 'malformed':
        return { status: 200, raw: fault.body }
    }
  }

  /** Status, headers and body text as they go out; the bucket's header is read as it leaves. */
  #render(result: Result): InProcessResponse {
    const headers: Record<string, string> = {
      Date: this.#opts.now().toUTCString(),
      'X-Gorgias-Account-Api-Call-Limit': this.#opts.bucket.header(),
      ...result.headers
    }
    let text = ''
    if (result.raw !== undefined) text = result.raw
    else if (result.body !== undefined && result.status !== 204) text = JSON.stringify(result.body)
    if (text !== '' || result.raw !== undefined) {
      headers['Content-Type'] = 'application/json; charset=utf-8'
    }
    return { status: result.status, headers, text }
  }

  #checkAuth(header: string | undefined): string | null {
    if (!header) return 'Authentication required: use HTTP Basic auth (email and API key)'
    const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header)
    if (!m?.[1]) return 'Invalid Authorization header: expected HTTP Basic auth'
    const decoded = Buffer.from(m[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) return 'Invalid Authorization header: expected HTTP Basic auth'
    const user = decoded.slice(0, colon)
    const password = decoded.slice(colon + 1)
    if (user.toLowerCase() !== this.#opts.email.toLowerCase() || password !== this.#opts.apiKey) {
      return 'Invalid credentials'
    }
    return null
  }

  #sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      const timer = setTimeout(() => {
        this.#sleeps.delete(timer)
        resolve()
      }, ms)
      this.#sleeps.set(timer, resolve)
    })
  }
}

function parseIncoming({ method, url, body: raw }: Arrival): Incoming {
  const parsed = new URL(url, 'http://127.0.0.1')
  let body: unknown = undefined
  let badJson = false
  if (raw !== null && raw.trim() !== '') {
    try {
      body = JSON.parse(raw) as unknown
    } catch {
      body = raw
      badJson = true
    }
  }
  return {
    method: method.toUpperCase(),
    path: parsed.pathname,
    query: parsed.searchParams,
    search: parsed.search.replace(/^\?/, ''),
    body,
    badJson,
    match: matchRoute(parsed.pathname),
    origin: parsed.origin
  }
}

/** A header of an in-process request, whatever the case of its name. */
function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find(k => k.toLowerCase() === name)
  return key === undefined ? undefined : headers[key]
}

async function readBody(req: http.IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = []
  let size = 0
  let tooLarge = false
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) tooLarge = true
    else chunks.push(chunk)
  }
  return tooLarge ? null : Buffer.concat(chunks).toString('utf8')
}

function resetSocket(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy()
  else socket.destroy()
}
