import type { Checklist, CheckItem, CheckStatus } from './check.js'
import { escapeMarkdown, oneLine, terminalCell } from './text.js'

/**
 * The account check, shown: terminal lines (control characters stripped), a Markdown section for
 * the job summary (every text escaped: a tag name or an agent's name is data), JSON, and the
 * verdict. Pure.
 */

export interface CheckVerdict {
  problems: number
  warnings: number
  /** One line for a failed step or stderr; null when nothing is a problem. */
  failure: string | null
}

export function checkVerdict(list: Checklist): CheckVerdict {
  const problems = list.items.filter(i => i.status === 'problem').length
  const warnings = list.items.filter(i => i.status === 'warning').length
  return {
    problems,
    warnings,
    failure:
      problems === 0
        ? null
        : `The account check found ${problems} problem${problems === 1 ? '' : 's'} on ${list.host}: ${list.items
            .filter(i => i.status === 'problem')
            .map(i => oneLine(i.found))
            .join('; ')}`
  }
}

function tally(list: Checklist): string {
  const { problems, warnings } = checkVerdict(list)
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  return `${plural(problems, 'problem')}, ${plural(warnings, 'warning')}; ${plural(list.requests, 'request')}, read-only`
}

const LEGEND =
  'ok: verified; info: nothing to fix (or not verifiable here, as said); warning: works, probably not as you mean it; problem: a run would fail or do nothing useful'

const WORD: Record<CheckStatus, string> = {
  ok: 'ok',
  info: 'info',
  warning: 'warning',
  problem: 'PROBLEM'
}

/** Terminal (and action log) lines: one per item, its fix indented below. */
export function checklistText(list: Checklist): string {
  const lines = [`Account check of ${terminalCell(list.host)} as ${terminalCell(list.email)}`]
  for (const item of list.items) {
    lines.push(`  ${WORD[item.status].padEnd(8)} ${terminalCell(item.check)}`)
    // Each line starts with a word of ours: a found text can never open a workflow command.
    lines.push(`           found: ${terminalCell(item.found)}`)
    if (item.fix) lines.push(`           to do: ${terminalCell(item.fix)}`)
  }
  lines.push(`Result: ${tally(list)}`)
  lines.push(LEGEND)
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
  const lines = [
    `## Account check: ${cell(list.host)}`,
    '',
    '| | Checked | Found | What to do |',
    '| --- | --- | --- | --- |',
    ...list.items.map(
      (i: CheckItem) =>
        `| ${ICON[i.status]} | ${cell(i.check)} | ${cell(i.found)} | ${i.fix ? cell(i.fix) : ''} |`
    ),
    '',
    `${cell(tally(list))}. Signed in as ${cell(list.email)}.`,
    '',
    `<sub>${cell(LEGEND)}.</sub>`,
    ''
  ]
  return `${lines.join('\n')}\n`
}

export function checklistJson(list: Checklist): Record<string, unknown> {
  const { problems, warnings } = checkVerdict(list)
  return {
    host: list.host,
    email: list.email,
    ok: problems === 0,
    problems,
    warnings,
    requests: list.requests,
    items: list.items.map(i => ({
      status: i.status,
      check: i.check,
      found: i.found,
      ...(i.fix ? { fix: i.fix } : {})
    }))
  }
}

/** The warnings of a real run's tag check, as the report's warning lines. */
export function tagWarnings(list: Checklist): string[] {
  return list.items
    .filter(i => i.status === 'warning')
    .map(
      i =>
        `${i.check.replace(/ \(GET \/api\/tags\?search=\)$/, '')}: ${i.found}${i.fix ? `. ${sentence(i.fix)}` : ''}`
    )
}

/** A fix shown after a full stop starts as a sentence. */
function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
