import http, { type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Seen {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: string
}

export type Reply =
  | { status?: number; json?: unknown; text?: string; headers?: Record<string, string> }
  | { delayMs: number; then?: Reply }
  | 'reset'

/** Real HTTP on 127.0.0.1: each test scripts the replies and reads back what arrived. */
export class ScriptedServer {
  seen: Seen[] = []
  reply: (req: Seen, n: number) => Reply = () => ({ status: 500 })
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost')
      const seen: Seen = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8')
      }
      this.seen.push(seen)
      this.send(req, res, this.reply(seen, this.seen.length))
    })
  })

  private send(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply): void {
    if (reply === 'reset') {
      req.socket.destroy()
      return
    }
    if ('delayMs' in reply) {
      const timer = setTimeout(() => {
        if (!res.destroyed) this.send(req, res, reply.then ?? { json: {} })
      }, reply.delayMs)
      res.on('close', () => clearTimeout(timer))
      return
    }
    const body = reply.text ?? JSON.stringify(reply.json ?? {})
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers })
    res.end(body)
  }

  async start(): Promise<string> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise(resolve => this.server.close(resolve))
  }
}

/**
 * A scripted server for the whole test file: started once, its record and replies reset before
 * each test (every request answers 500 until the test says otherwise).
 */
export function useScriptedServer(hooks: {
  beforeAll: (fn: () => Promise<void>) => void
  afterAll: (fn: () => Promise<void>) => void
  beforeEach: (fn: () => void) => void
}): { server: ScriptedServer; baseUrl: () => string } {
  const server = new ScriptedServer()
  let baseUrl = ''
  hooks.beforeAll(async () => {
    baseUrl = await server.start()
  })
  hooks.afterAll(async () => {
    await server.stop()
  })
  hooks.beforeEach(() => {
    server.seen = []
    server.reply = () => ({ status: 500 })
  })
  return { server, baseUrl: () => baseUrl }
}

/** The error a promise rejects with; a promise that resolves fails the test. */
export async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}
