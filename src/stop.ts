import type { Settings } from './config.js'
import { AuthError, TransientError } from './gorgias/errors.js'
import { SettingsError } from './inputs.js'
import { PolicyModuleError } from './policyModule.js'

/**
 * A run that could not finish: the message for the person who must act, and the exit code (2: the
 * settings or the credentials need fixing; 1: anything else, worth a retry or a bug report).
 */
export interface StopNotice {
  message: string
  exitCode: 1 | 2
}

export function stopNotice(err: unknown, settings: Settings | null): StopNotice {
  if (err instanceof SettingsError || err instanceof PolicyModuleError) {
    return { message: err.message, exitCode: 2 }
  }
  if (err instanceof AuthError && settings) {
    return { message: credentialsHelp(err, settings), exitCode: 2 }
  }
  if (err instanceof TransientError && err.status === undefined && settings) {
    return { message: `${err.message}. ${unreachable(settings)}`, exitCode: 1 }
  }
  return { message: err instanceof Error ? err.message : String(err), exitCode: 1 }
}

/** No answer at all, attempt after attempt: a wrong host, or a network or Gorgias outage. */
function unreachable(s: Pick<Settings, 'domain' | 'apiUrl'>): string {
  const host = new URL(s.apiUrl).host
  const which =
    host === `${s.domain}.gorgias.com`
      ? `gorgias-domain (now "${s.domain}")`
      : 'api-url (GORGIAS_API_URL in the CLI), or leave it empty'
  return `${host} did not answer: check ${which}; if it is right, the network or Gorgias was down and the next run tries again`
}

/**
 * A 401/403 in words: the host that answered comes first, because credentials sent to the wrong
 * server (an api-url left over from another tool) are rejected for a reason no key can fix.
 */
export function credentialsHelp(
  err: AuthError,
  s: Pick<Settings, 'email' | 'domain' | 'apiUrl'>
): string {
  const host = new URL(s.apiUrl).host
  const elsewhere =
    host === `${s.domain}.gorgias.com`
      ? ''
      : `; ${host} is not ${s.domain}.gorgias.com: if that is not your Gorgias account, fix api-url (GORGIAS_API_URL in the CLI) or leave it empty`
  return err.status === 403
    ? `${host} refused access for ${s.email} on ${s.domain} (HTTP 403): the user behind the GORGIAS_API_KEY secret lacks a permission the action needs (read and update tickets, create messages, tag tickets)${elsewhere}`
    : `${host} rejected the credentials for ${s.email} on ${s.domain} (HTTP ${err.status ?? 401}): check the GORGIAS_API_KEY secret (and that gorgias-email is the user who owns that key)${elsewhere}`
}
