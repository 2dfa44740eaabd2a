import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import type { Settings } from './config.js'
import type { GorgiasClient } from './gorgias/client.js'
import { AuthError, redact, secretForms } from './gorgias/errors.js'
import type { Message, Ticket } from './gorgias/types.js'
import type { ActionDecision } from './policy/types.js'
import { asText, logText, oneLine } from './text.js'

/**
 * A team's ES module whose default export may veto a planned follow-up or close
 * (docs/policy-module.md). It runs between the ticket's read and the write and can only say
 * "skip", so a bug in it can at worst leave a ticket alone; a throw or a timeout fails that ticket.
 */

/** The veto as loaded; run.ts binds the client (then it is sweep/context.ts's Veto). */
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

/** `run()`'s answer (a throw in it too), or a PolicyModuleError after `ms`. */
function withTimeout<T>(
  run: () => T,
  ms: number,
  late = `policy-module did not answer within ${ms / 1000} s`
): Promise<Awaited<T>> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    const error = new PolicyModuleError(late)
    timer = setTimeout(() => reject(error), ms)
  })
  return Promise.race([Promise.resolve().then(run), timeout]).finally(() => clearTimeout(timer))
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
    // Loaded at run time from the user's checkout, never bundled; a top-level await that never
    // ends (a CRM that does not answer) would hold the run before its first request.
    const late = `policy-module: ${path} did not load within ${timeoutMs / 1000} s`
    const load = () => import(/* webpackIgnore: true */ pathToFileURL(path).href)
    loaded = (await withTimeout(load, timeoutMs, late)) as typeof loaded
  } catch (err) {
    if (err instanceof PolicyModuleError) throw err
    throw new PolicyModuleError(
      `policy-module: could not load ${path}: ${err instanceof Error ? err.message : String(err)}`
    )
  }
  if (typeof loaded.default !== 'function') {
    throw new PolicyModuleError(
      `policy-module: ${path} must have a default export that is a function (ticket, messages, action, context)`
    )
  }
  const policy = loaded.default as (...args: unknown[]) => unknown
  const { apiKey: _secret, ...publicSettings } = settings
  // The module runs where the key is in the environment: whatever it hands back is shown only
  // without the key, taken out before a text is cut (a cut key no longer matches).
  const forms = secretForms(settings.email, settings.apiKey)
  const shown = (value: unknown, max?: number): string => logText(redact(asText(value), forms), max)
  log.info(`policy-module: loaded ${path}`)

  return async (client, ticket, messages, decision) => {
    const { kind, idleHours, reply } = decision
    const action =
      decision.kind === 'follow-up'
        ? { kind, idleHours, reply, reminder: decision.reminder, reminders: decision.reminders }
        : { kind, idleHours, reply }
    const context = {
      // A copy: the module can only veto, never change what later tickets are decided by.
      settings: structuredClone(publicSettings),
      gorgias: {
        get: (p: string, q?: Record<string, string | number>) => client.getJson(p, q),
        getTicket: (id: number) => client.getTicket(id),
        listMessages: (id: number) => client.listMessages(id)
      },
      fetch: globalThis.fetch,
      // One line per call, after a prefix, so that no line of it can be run as a workflow command.
      log: (m: unknown) => log.info(`policy-module (ticket ${ticket.id}): ${shown(m)}`),
      now: new Date()
    }
    const ask = () => policy(structuredClone(ticket), structuredClone(messages), action, context)
    let answer: unknown
    try {
      answer = await withTimeout(ask, timeoutMs)
    } catch (err) {
      // Rejected credentials are the run's problem, not this ticket's: one clear stop.
      if (err instanceof PolicyModuleError || err instanceof AuthError) throw err
      throw new PolicyModuleError(`policy-module threw: ${shown(err, 500)}`)
    }
    if (answer === undefined || answer === null) return undefined
    const skip = typeof answer === 'object' ? (answer as { skip?: unknown }).skip : undefined
    // The reason is shown in the summary, the terminal and the log: one line, of sane length.
    if (typeof skip === 'string' && oneLine(skip) !== '') return { skip: shown(skip, 500) }
    throw new PolicyModuleError(
      `policy-module returned ${shown(answer, 200)}; expected undefined (go ahead) or { skip: "reason" }`
    )
  }
}
