import type { Settings } from './config.js'
import type { MessageCatalog } from './messages.js'

/** The settings in effect, as the job summary and the log show them: never the API key. */
export function describeSettings(s: Settings): Array<[string, string]> {
  return [
    ['gorgias-domain', s.domain],
    ['api-url', s.apiUrl],
    ['follow-up-hours', s.followUpHours.join(', ')],
    ['close-hours', String(s.closeHours)],
    ['exclude-tags', s.excludeTags.join(', ') || '(none)'],
    ['only-tags', s.onlyTags.join(', ') || '(all tickets)'],
    ['channels', s.channels.join(', ')],
    ['follow-up-tag', s.followUpTag],
    ['closed-tag', s.closedTag],
    [
      'close-message',
      // From the input, a messages file or a macro (named, even before it is read).
      Object.values(s.messages.byLanguage).some(t => t.close !== '' || t.macros?.close)
        ? 'yes'
        : 'none'
    ],
    ['dry-run', String(s.dryRun)],
    ['max-actions', String(s.maxActions)],
    ['view-id', s.viewId === null ? '(open tickets)' : String(s.viewId)],
    [
      'business-hours',
      s.businessHours
        ? `${s.businessHours.describe}${s.accountBusinessHours ? ", the Gorgias account's" : ''}`
        : s.accountBusinessHours
          ? "(the Gorgias account's)"
          : '(around the clock)'
    ],
    ['policy-module', s.policyModule ?? '(none)'],
    ['rate-limit-share', String(s.rateLimitShare)],
    ['time-limit-minutes', String(s.timeLimitMinutes)],
    ['summary-customer-details', String(s.summaryCustomerDetails)],
    [
      'messages-file',
      s.messagesFile === null
        ? '(message inputs)'
        : `${s.messagesFile} (${Object.keys(s.messages.byLanguage).join(', ')}; default ${s.messages.defaultLanguage})`
    ],
    ...describeMacros(s.messages),
    ['ticket-ids', s.ticketIds === null ? '(every listed ticket)' : s.ticketIds.join(', ')],
    ['report-file', s.reportFile ?? '(none)'],
    ['state-file', s.stateFile ?? '(none)']
  ]
}

/** The macros in use: name, ids and languages (the default first), and what is not applied. */
function describeMacros(catalog: MessageCatalog): Array<[string, string]> {
  if (catalog.macros === undefined) {
    // Not read yet (the run stopped before): the inputs as given.
    const named = new Map<string, string>()
    for (const t of Object.values(catalog.byLanguage)) {
      for (const ref of Object.values(t.macros ?? {})) {
        const input = ref.input.replace(/^messages-file /, '')
        named.set(input, ref.id !== null ? `#${ref.id} (not read)` : `"${ref.name}" (not read)`)
      }
    }
    return [...named]
  }
  return catalog.macros.map(use => {
    const ids = use.macros
      .map(
        (m, i) =>
          `#${m.id} ${m.language ?? '(no language)'}${i === 0 && use.macros.length > 1 ? ' default' : ''}`
      )
      .join(', ')
    const ignored =
      use.ignoredActions.length > 0 ? `; not applied: ${use.ignoredActions.join(', ')}` : ''
    return [use.input, `"${use.name}" (${ids})${ignored}`]
  })
}
