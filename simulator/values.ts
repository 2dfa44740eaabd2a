/** Small pure helpers on JSON values, timestamps and text, shared by the simulator's modules. */

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0
}

/** Milliseconds since the epoch, or null for a missing or unparseable timestamp. */
export function timeKey(v: unknown): number | null {
  if (typeof v !== 'string') return null
  const t = Date.parse(v)
  return Number.isNaN(t) ? null : t
}

/** `toISOString()`'s own format, whose text order is its time order. */
const CANONICAL_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** The later of two timestamps; `b` when `a` is missing or unparseable. */
export function maxIso(a: string | null | undefined, b: string): string {
  // Seeding 100,000 tickets compares timestamps on every message: skip the parsing when it can.
  if (typeof a === 'string' && CANONICAL_ISO.test(a) && CANONICAL_ISO.test(b)) {
    return b >= a ? b : a
  }
  const ka = timeKey(a)
  const kb = timeKey(b)
  if (ka === null || typeof a !== 'string') return b
  if (kb === null) return a
  return kb >= ka ? b : a
}

export function addMs(iso: string, ms: number): string {
  const t = timeKey(iso)
  return t === null ? iso : new Date(t + ms).toISOString()
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

export function asciiSlug(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
}
