/**
 * The one check of the API base URL, shared by the settings (which word the error for the user)
 * and the client (which refuses to be built on a bad one).
 */

export type BaseUrlProblem = 'not-a-url' | 'credentials' | 'scheme' | 'query'

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '')
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host)
}

/**
 * https only, except plain http to this machine (tests and the simulator); no credentials, query or
 * fragment (the credentials go in the Authorization header, never in a URL that may be logged).
 * Returns the URL without a trailing slash, or what is wrong with it.
 */
export function checkBaseUrl(raw: string): { url: string } | { problem: BaseUrlProblem } {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    return { problem: 'not-a-url' }
  }
  if (url.username || url.password) return { problem: 'credentials' }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    return { problem: 'scheme' }
  }
  if (url.search || url.hash) return { problem: 'query' }
  return { url: url.toString().replace(/\/+$/, '') }
}
