/**
 * The simulator's HTTP edge: a real node:http server on 127.0.0.1, and the path of every request
 * through it: body and log entry, latency, HTTP Basic auth, the rate-limit bucket, hooks, injected
 * faults, then the route; every answer carries `X-Gorgias-Account-Api-Call-Limit`.
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
  /** Runs the API logic; throws HttpError for an error answer. */
  route: (req: Omit<RouteRequest, 'id'>, match: RouteMatch | null) => Result
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

  /** Closes the server and every open socket; pending delayed answers are dropped. */
  async stop(): Promise<void> {
    const server = this.#server
    if (!server) return
    this.#server = null
    for (const [timer, release] of this.#sleeps) {
      clearTimeout(timer)
      release()
    }
    this.#sleeps.clear()
    const closed = new Promise<void>(resolve => server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    this.#sockets.clear()
    await closed
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req)
    const incoming = parseIncoming(req, raw ?? '')
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
    if (raw === null) return this.#send(res, entry, errorResult(413, 'Request body too large'))
    if (this.#opts.latencyMs > 0) await this.#sleep(this.#opts.latencyMs)

    const refused = await this.#gate(req, incoming)
    if (refused) return this.#send(res, entry, refused)

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
    if (!fault) return this.#send(res, entry, run())
    entry.fault = fault.kind
    await this.#inject(fault, req, res, entry, run)
  }

  /** Auth, then the bucket, then the hooks: the answer that stops the request here, if any. */
  async #gate(req: http.IncomingMessage, incoming: Incoming): Promise<Result | null> {
    const authError = this.#checkAuth(req.headers.authorization)
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
        headers: { 'Retry-After': String(retryAfter) }
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

  async #inject(
    fault: Fault,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: RequestLogEntry,
    run: () => Result
  ): Promise<void> {
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
          result.headers = { ...result.headers, 'Retry-After': String(fault.retryAfter) }
        }
        return this.#send(res, entry, result)
      }
      case 'reset':
        entry.status = 0
        return resetSocket(req.socket)
      case 'reset-after-processing':
        entry.status = run().status
        return resetSocket(req.socket)
      case 'delay': {
        const result = run()
        await this.#sleep(fault.ms)
        return this.#send(res, entry, result)
      }
      case 'malformed':
        return this.#send(res, entry, { status: 200, raw: fault.body })
    }
  }

  #send(res: http.ServerResponse, entry: RequestLogEntry, result: Result): void {
    entry.status = result.status
    if (res.destroyed || res.writableEnded || !res.socket || res.socket.destroyed) return
    const headers: Record<string, string> = {
      'X-Gorgias-Account-Api-Call-Limit': this.#opts.bucket.header(),
      ...result.headers
    }
    let payload = ''
    if (result.raw !== undefined) payload = result.raw
    else if (result.body !== undefined && result.status !== 204) {
      payload = JSON.stringify(result.body)
    }
    if (payload !== '' || result.raw !== undefined) {
      headers['Content-Type'] = 'application/json; charset=utf-8'
    }
    res.writeHead(result.status, headers)
    res.end(payload)
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

function parseIncoming(req: http.IncomingMessage, raw: string): Incoming {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const method = (req.method ?? 'GET').toUpperCase()
  let body: unknown = undefined
  let badJson = false
  if (raw.trim() !== '') {
    try {
      body = JSON.parse(raw) as unknown
    } catch {
      body = raw
      badJson = true
    }
  }
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    search: url.search.replace(/^\?/, ''),
    body,
    badJson,
    match: matchRoute(url.pathname)
  }
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
