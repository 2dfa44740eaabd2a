import type { Settings } from './config.js'
import type { Outcome } from './sweep/types.js'

/** One ticket's outcome in words, for the job summary and the terminal alike. Pure. */

export function actionLabel(o: Outcome): string {
  switch (o.action) {
    case 'follow-up':
      return o.reminders && o.reminders > 1 ? `follow-up ${o.reminder}/${o.reminders}` : 'follow-up'
    case 'close':
      return 'close'
    case 'tag-follow-up':
      return 'add follow-up tag'
    case 'untag':
      return 'remove stale tags'
    case 'check':
      return 'read'
  }
}

/** The result in words; `detail` is whatever the sweep, the API or a policy module said. */
export function resultLabel(o: Outcome, dryRun: boolean, detail: string | undefined): string {
  switch (o.result) {
    case 'done':
      return o.action === 'follow-up' ? 'sent' : o.action === 'close' ? 'closed' : 'done'
    case 'would-do':
      return dryRun ? 'would do (dry run)' : 'would do'
    case 'failed':
      return `failed: ${detail ?? 'unknown error'}`
    case 'deferred':
      // max-actions reached, time limit reached, or not read: ...
      return `deferred: ${detail ?? 'max-actions reached'}`
    case 'skipped':
      return `skipped: ${detail ?? ''}`
  }
}

const EMAIL_LIKE = /[^\s@<>()[\]"',;:]+@[^\s@<>()[\]"',;:]+/g

/**
 * A detail (an error, a module's reason) as the summary may show it. With summary-customer-details
 * off it must not quote the customer either: their subject, name and any email address in it
 * are replaced by what they stand for.
 */
export function shownDetail(o: Outcome, settings: Settings): string | undefined {
  if (o.detail === undefined || settings.summaryCustomerDetails) return o.detail
  let detail = o.detail
  const replaceAll = (text: string, what: string, by: string): string =>
    what.length < 2 ? text : text.split(new RegExp(escapeRegExp(what), 'gi')).join(by)
  const subject = o.subject.trim()
  if (subject.length >= 3) detail = replaceAll(detail, subject, '[subject]')
  detail = detail.replace(EMAIL_LIKE, '[address]')
  // The full name before its parts; 'there' is the greeting's stand-in for no name, not a name.
  const first = o.firstName.trim()
  const names = [...(o.customerNames ?? []), ...(first === 'there' ? [] : [first])]
  for (const name of names.sort((a, b) => b.length - a.length)) {
    detail = replaceAll(detail, name.trim(), '[customer]')
  }
  return detail
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
