import type { Checklist, CheckStatus } from './check.js'
import { escapeMarkdown, oneLine, plural, terminalCell } from './text.js'

/**
 * The account check, shown: terminal lines (control characters stripped), a Markdown section for
 * the job summary (every text escaped: a tag name or an agent's name is data), JSON, the verdict.
 */

export function checkVerdict(list: Checklist): {
  problems: number
  warnings: number
  /** One line for a failed step or stderr; null when nothing is a problem. */
  failure: string | null
} {
  const problems = list.items.filter(i => i.status === 'problem')
  const warnings = list.items.filter(i => i.status === 'warning').length
  const found = problems.map(i => oneLine(i.found)).join('; ')
  return {
    problems: problems.length,
    warnings,
    failure:
      problems.length === 0
        ? null
        : `The account check found ${plural(problems.length, 'problem', 'problems')} on ${list.host}: ${found}`
  }
}

function tally(list: Checklist): string {
  const { problems, warnings } = checkVerdict(list)
  return `${plural(problems, 'problem', 'problems')}, ${plural(warnings, 'warning', 'warnings')}; ${plural(list.requests, 'request', 'requests')}, read-only`
}

const LEGEND =
  'ok: verified; info: nothing to fix (or not verifiable here, as said); warning: works, probably not as you mean it; problem: a run would fail or do nothing useful'

/** Terminal (and action log) lines: one per item, its fix indented below. */
export function checklistText(list: Checklist): string {
  const word = (s: CheckStatus): string => (s === 'problem' ? 'PROBLEM' : s)
  const lines = [`Account check of ${terminalCell(list.host)} as ${terminalCell(list.email)}`]
  for (const item of list.items) {
    lines.push(`  ${word(item.status).padEnd(8)} ${terminalCell(item.check)}`)
    // Each line starts with a word of ours: a found text can never open a workflow command.
    lines.push(`           found: ${terminalCell(item.found)}`)
    if (item.fix) lines.push(`           to do: ${terminalCell(item.fix)}`)
  }
  lines.push(`Result: ${tally(list)}`, LEGEND)
  return lines.join('\n')
}

const ICON: Record<CheckStatus, string> = {
  ok: '✅ ok',
  info: 'ℹ️ info',
  warning: '⚠️ warning',
  problem: '❌ problem'
}

const cell = (text: string): string => escapeMarkdown(oneLine(text))

/** The job summary's section: a heading, one table row per item, the tally. */
export function checklistMarkdown(list: Checklist): string {
  return `${[
    `## Account check: ${cell(list.host)}`,
    '',
    '| | Checked | Found | What to do |',
    '| --- | --- | --- | --- |',
    ...list.items.map(
      i => `| ${ICON[i.status]} | ${cell(i.check)} | ${cell(i.found)} | ${cell(i.fix ?? '')} |`
    ),
    '',
    `${cell(tally(list))}. Signed in as ${cell(list.email)}.`,
    '',
    `<sub>${cell(LEGEND)}.</sub>`,
    ''
  ].join('\n')}\n`
}

/** The items as check.ts made them: a fix only where there is one. */
export function checklistJson(list: Checklist): Record<string, unknown> {
  const { problems, warnings } = checkVerdict(list)
  const { host, email, requests, items } = list
  return { host, email, ok: problems === 0, problems, warnings, requests, items }
}

/** The warnings of a real run's tag check, as the report's warning lines. */
export function tagWarnings(list: Checklist): string[] {
  return list.items
    .filter(i => i.status === 'warning')
    .map(i => {
      // A fix shown after a full stop starts as a sentence.
      const fix = i.fix ? `. ${i.fix.charAt(0).toUpperCase()}${i.fix.slice(1)}` : ''
      return `${i.check.replace(/ \(GET \/api\/tags\?search=\)$/, '')}: ${i.found}${fix}`
    })
}
