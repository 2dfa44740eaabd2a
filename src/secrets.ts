import type { Settings } from './config.js'
import { secretForms, type AuthError } from './gorgias/errors.js'

/**
 * Registers every form in which the API key could be printed: the key itself and the Basic auth
 * token built from it, so even a logged header would be masked.
 */
export function registerSecrets(
  apiKey: string,
  email: string,
  mask: (secret: string) => void
): void {
  for (const form of secretForms(email, apiKey)) mask(form)
}

/**
 * A 401/403 in words: the host that answered comes first, because credentials sent to the wrong
 * server (an api-url left over from another tool) are rejected for a reason no key can fix.
 */
export function credentialsHelp(
  err: AuthError,
  s: Pick<Settings, 'email' | 'domain' | 'apiUrl'>
): string {
  const host = hostOf(s.apiUrl)
  const own = host === `${s.domain}.gorgias.com`
  const elsewhere = own
    ? ''
    : `; ${host} is not ${s.domain}.gorgias.com: if that is not your Gorgias account, fix api-url (GORGIAS_API_URL in the CLI) or leave it empty`
  return err.status === 403
    ? `${host} refused access for ${s.email} on ${s.domain} (HTTP 403): the user behind the GORGIAS_API_KEY secret lacks a permission the action needs (read and update tickets, create messages, tag tickets)${elsewhere}`
    : `${host} rejected the credentials for ${s.email} on ${s.domain} (HTTP ${err.status ?? 401}): check the GORGIAS_API_KEY secret (and that gorgias-email is the user who owns that key)${elsewhere}`
}

function hostOf(apiUrl: string): string {
  try {
    return new URL(apiUrl).host
  } catch {
    return apiUrl
  }
}
