import * as core from '@actions/core'
import * as github from '@actions/github'
import { checklistMarkdown, checklistText, checkVerdict, type Checklist } from './check.js'
import { reportText, runEntry, stateLine, sweepFailure } from './entry.js'
import { secretForms } from './gorgias/errors.js'
import { inputResolver, type InputName } from './inputs.js'
import { forTheLog, outputs } from './report.js'
import { stoppedSummary, summaryMarkdown } from './summary.js'
import type { SweepRun } from './run.js'
import { logText, terminalCell } from './text.js'

/** The action: inputs -> sweep -> outputs and job summary; the only module that knows Actions. */
export async function runAction(): Promise<void> {
  const read = (name: InputName): string => core.getInput(name)
  // The key and the Basic auth token built from it, masked before anything (a bad-input error too)
  // could print them.
  const input = inputResolver(read, process.env)
  secretForms(input('gorgias-email'), input('gorgias-api-key')).forEach(core.setSecret)
  await runEntry({
    read,
    env: process.env,
    workspace: process.env.GITHUB_WORKSPACE || process.cwd(),
    log: core,
    // `check-only: true`: the checklist, no sweep and no output (nothing was counted).
    checked: async checklist => {
      const failure = logChecklist(checklist)
      await writeSummary(checklistMarkdown(checklist) + runLink(), checklistText(checklist))
      if (failure) core.setFailed(failure)
    },
    dryRun: () =>
      core.notice(
        'Dry run: nothing will be changed in Gorgias. To go live, set the repository variable GORGIAS_AUTO_CLOSE_LIVE to true.'
      ),
    swept,
    stopped: async ({ message }, settings) => {
      await writeSummary(stoppedSummary(message, settings), `Stopped: ${terminalCell(message)}`)
      core.setFailed(message)
    }
  })
  // A policy module's open timer or connection (a CRM client, a database pool) would keep the
  // process, and so the step, running until the job's timeout once the run has reported.
  if (input('policy-module').trim()) setTimeout(() => process.exit(), EXIT_GRACE_MS).unref()
}

/** Time for the last writes (outputs, summary) to land before a held-open process is ended. */
const EXIT_GRACE_MS = 1000

async function swept(run: SweepRun): Promise<void> {
  const { report, settings, stats, checklist } = run
  // Outputs first: they are what later steps depend on, and setting them cannot fail the run.
  for (const [name, value] of Object.entries(outputs(report))) core.setOutput(name, value)
  core.setOutput('report-file', run.auditFile ?? '')
  core.setOutput('state-file', run.stateFile ?? '')
  // A dry run's checklist: in the log (its problems as warnings), and on top of the summary.
  let checked = ''
  if (checklist?.scope === 'full') {
    core.startGroup('Account check')
    const failure = logChecklist(checklist)
    core.endGroup()
    if (failure) core.warning(failure)
    checked = checklistMarkdown(checklist)
  }
  const saved = stateLine(report.state)
  const markdown = summaryMarkdown(report, settings, stats, checked) + runLink()
  const plain = reportText({ ...run, report: forTheLog(report, settings) })
  await writeSummary(markdown + (saved ? `\n${saved}\n` : ''), plain)
  const failure = sweepFailure(run)
  if (failure) core.setFailed(failure.message)
}

/** The checklist in the log; returns its failure line, if any. */
function logChecklist(checklist: Checklist): string | null {
  for (const line of checklistText(checklist).split('\n')) core.info(line)
  const { failure } = checkVerdict(checklist)
  return failure && logText(failure)
}

/**
 * A summary that cannot be written (no GITHUB_STEP_SUMMARY, a full disk) is a warning, not a
 * failure; the log then gets the report as plain text (the Markdown's escapes would show).
 */
async function writeSummary(markdown: string, plain: string): Promise<void> {
  try {
    await core.summary.addRaw(markdown).write()
  } catch (err) {
    core.warning(`job summary not written: ${err instanceof Error ? err.message : String(err)}`)
    core.info(plain)
  }
}

function runLink(): string {
  const { GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = process.env
  if (!repository || !runId) return ''
  return `\n[Workflow run](${github.context.serverUrl}/${repository}/actions/runs/${runId})\n`
}

/** The name @github/local-action (`npm run local-action`) calls in an entry point. @alias */
export const run = runAction
