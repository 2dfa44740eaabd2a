import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import type { Settings } from './config.js'
import type { GorgiasClient } from './gorgias/client.js'
import { AuthError } from './gorgias/errors.js'
import type { Message, Ticket } from './gorgias/types.js'
import type { ActionDecision } from './policy/types.js'
import { asText, logText, oneLine } from './text.js'

/**
 * Custom per-ticket logic: a team's ES module whose default export may veto a planned follow-up
 * or close. It runs after the ticket's read and before the write; it can only say "skip", never
 * "act", so a bug in it can at worst leave a ticket alone. A throw or a timeout fails that ticket
 * (reported and counted), and the sweep goes on.
 */

interface PlannedAction {
  kind: 'follow-up' | 'close'
  /** for a follow-up: which reminder (1-based) of how many */
  reminder?: number
  reminders?: number
  /** real hours since the agent's last reply */
  idleHours: number
  /** the agent's last public reply, the start of the silence */
  reply: Message
}

/** What the module gets besides the ticket: settings without secrets, read-only Gorgias, fetch. */
interface PolicyContext {
  settings: Omit<Settings, 'apiKey'>
  gorgias: {
    /** GET any API path, e.g. `/customers/123` for the customer's integration data */
    get(path: string, query?: Record<string, string | number>): Promise<unknown>
    getTicket(id: number): Promise<Ticket>
    listMessages(ticketId: number): Promise<Message[]>
  }
  fetch: typeof globalThis.fetch
  log(message: string): void
  now: Date
}

type PolicyFunction = (
  ticket: Ticket,
  messages: Message[],
  action: PlannedAction,
  context: PolicyContext
) => unknown

/**
 * The policy module's veto as loaded: the client is its first argument until run.ts binds it (then
 * it is sweep/context.ts's Veto).
 */
export type UnboundVeto = (
  client: Pick<GorgiasClient, 'getJson' | 'getTicket' | 'listMessages'>,
  ticket: Ticket,
  messages: Message[],
  decision: ActionDecision
) => Promise<{ skip: string } | undefined>

const POLICY_TIMEOUT_MS = 30_000

export class PolicyModuleError extends Error {
  override name = 'PolicyModuleError'
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new PolicyModuleError(`policy-module did not answer within ${ms / 1000} s`)),
      ms
    )
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export async function loadPolicyModule(
  settings: Settings,
  log: { info(message: string): void },
  timeoutMs = POLICY_TIMEOUT_MS
): Promise<UnboundVeto> {
  const path = settings.policyModule
  if (!path) throw new PolicyModuleError('policy-module: no path given')
  if (!existsSync(path)) {
    throw new PolicyModuleError(
      `policy-module: no file at ${path}; the path is relative to the workflow's checkout, so run actions/checkout first`
    )
  }
  let loaded: { default?: unknown }
  try {
    // Loaded at run time from the user's checkout, never bundled.
    loaded = (await import(/* webpackIgnore: true */ pathToFileURL(path).href)) as {
      default?: unknown
    }
  } catch (err) {
    throw new PolicyModuleError(
      `policy-module: could not load ${path}: ${err instanceof Error ? err.message : String(err)}`
    )
  }
  if (typeof loaded.default !== 'function') {
    throw new PolicyModuleError(
      `policy-module: ${path} must have a default export that is a function (ticket, messages, action, context)`
    )
  }
  const policy = loaded.default as PolicyFunction
  const { apiKey: _secret, ...publicSettings } = settings
  void _secret
  log.info(`policy-module: loaded ${path}`)

  return async (client, ticket, messages, decision) => {
    const action: PlannedAction = {
      kind: decision.kind,
      idleHours: decision.idleHours,
      reply: decision.reply,
      ...(decision.kind === 'follow-up'
        ? { reminder: decision.reminder, reminders: decision.reminders }
        : {})
    }
    const context: PolicyContext = {
      settings: publicSettings,
      gorgias: {
        get: (p, q) => client.getJson(p, q),
        getTicket: id => client.getTicket(id),
        listMessages: id => client.listMessages(id)
      },
      fetch: globalThis.fetch,
      // The module's text goes to the action's log: one line per call, after a prefix, so that no
      // line of it can start with `::` and be run as a workflow command.
      log: m => log.info(`policy-module (ticket ${ticket.id}): ${logText(m)}`),
      now: new Date()
    }
    let answer: unknown
    try {
      answer = await withTimeout(
        Promise.resolve().then(() =>
          policy(structuredClone(ticket), structuredClone(messages), action, context)
        ),
        timeoutMs
      )
    } catch (err) {
      // Rejected credentials are the run's problem, not this ticket's: one clear stop.
      if (err instanceof PolicyModuleError || err instanceof AuthError) throw err
      throw new PolicyModuleError(`policy-module threw: ${logText(err, 500)}`)
    }
    if (answer === undefined || answer === null) return undefined
    const skip = typeof answer === 'object' ? (answer as { skip?: unknown }).skip : undefined
    // The reason is shown in the summary, the terminal and the log: one line, of sane length.
    if (typeof skip === 'string' && oneLine(skip) !== '') return { skip: logText(skip, 500) }
    throw new PolicyModuleError(
      `policy-module returned ${logText(asText(answer), 200)}; expected undefined (go ahead) or { skip: "reason" }`
    )
  }
}
