import type { Settings } from './config.js'
import type { AuthError } from './gorgias/errors.js'
import { secretForms } from './gorgias/redact.js'

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

export function credentialsHelp(err: AuthError, s: Pick<Settings, 'email' | 'domain'>): string {
  const forbidden = err.status === 403
  return forbidden
    ? `Gorgias refused access for ${s.email} on ${s.domain} (HTTP 403): the user behind the GORGIAS_API_KEY secret lacks a permission the action needs (read and update tickets, create messages, tag tickets)`
    : `Gorgias rejected the credentials for ${s.email} on ${s.domain}: check the GORGIAS_API_KEY secret (and that gorgias-email is the user who owns that key)`
}
