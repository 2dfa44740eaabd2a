import * as core from '@actions/core'
import * as github from '@actions/github'
import { parseSettings, type Settings } from './config.js'
import { inputResolver, type InputName } from './inputs.js'
import { failureLine, outputs, stopLine, terminalReport } from './report.js'
import { stoppedSummary, summaryMarkdown } from './summary.js'
import { apiUrlWarning, runCheck, runSweep, type SweepRun } from './run.js'
import { checklistMarkdown, checklistText, checkVerdict } from './checkReport.js'
import type { SweepLog } from './sweep/index.js'
import { logText } from './text.js'
import { registerSecrets } from './secrets.js'
import { stateLine } from './state.js'
import { stopNotice } from './stop.js'
import { terminalCell } from './text.js'

/**
 * The GitHub Action's entry: inputs -> sweep -> outputs and job summary. The only module that
 * knows GitHub Actions.
 */
export async function runAction(): Promise<void> {
  const input = inputResolver((name: InputName) => core.getInput(name), process.env)
  // Masked before anything else can print it, including a bad-input error.
  registerSecrets(input('gorgias-api-key'), input('gorgias-email'), core.setSecret)

  let settings: Settings | null = null
  try {
    settings = parseSettings((name: InputName) => core.getInput(name), {
      env: process.env,
      workspace: process.env.GITHUB_WORKSPACE || process.cwd()
    })
    const warning = apiUrlWarning(settings)
    if (warning) core.warning(warning)
    if (settings.checkOnly) return await checkOnly(settings)
    if (settings.dryRun) {
      core.notice(
        'Dry run: nothing will be changed in Gorgias. To go live, set the repository variable GORGIAS_AUTO_CLOSE_LIVE to true.'
      )
    }
    const run = await runSweep(settings, LOG)
    const { report, stats, auditFile, checklist, stateFile } = run
    settings = run.settings
    // Outputs first: they are what later steps depend on, and setting them cannot fail the run.
    for (const [name, value] of Object.entries(outputs(report))) core.setOutput(name, value)
    core.setOutput('report-file', auditFile ?? '')
    core.setOutput('state-file', stateFile ?? '')
    const saved = stateLine(report.state)
    await writeSummary(
      summaryMarkdown(report, settings, stats, dryRunChecklist(checklist)) +
        runLink() +
        (saved ? `\n${saved}\n` : ''),
      terminalReport(report, settings, stats) + (saved ? `\n${saved}` : '')
    )
    const failure = stopLine(report, settings) ?? failureLine(report, settings)
    if (failure) core.setFailed(failure)
  } catch (err) {
    const { message } = stopNotice(err, settings)
    await writeSummary(stoppedSummary(message, settings), `Stopped: ${terminalCell(message)}`)
    core.setFailed(message)
  }
}

const LOG: SweepLog = {
  info: m => core.info(m),
  warning: m => core.warning(m),
  notice: m => core.notice(m),
  startGroup: n => core.startGroup(n),
  endGroup: () => core.endGroup()
}

/**
 * `check-only: true`: the checklist in the log and the job summary, no sweep, no write, and no
 * output set (no sweep ran, so there is nothing to count). The step fails on a problem.
 */
async function checkOnly(settings: Settings): Promise<void> {
  const checklist = await runCheck(settings, LOG)
  for (const line of checklistText(checklist).split('\n')) core.info(line)
  await writeSummary(checklistMarkdown(checklist) + runLink(), checklistText(checklist))
  const { failure } = checkVerdict(checklist)
  if (failure) core.setFailed(logText(failure))
}

/** A dry run's checklist: in the log, and on top of the summary; its problems as warnings. */
function dryRunChecklist(checklist: SweepRun['checklist']): string {
  if (checklist?.scope !== 'full') return ''
  core.startGroup('Account check')
  for (const line of checklistText(checklist).split('\n')) core.info(line)
  core.endGroup()
  const { failure } = checkVerdict(checklist)
  if (failure) core.warning(logText(failure))
  return checklistMarkdown(checklist)
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

/**
 * The name GitHub's own runner emulation, @github/local-action (`npm run local-action`), calls in
 * an entry point; it is the action's entry, runAction.
 * @alias
 */
export const run = runAction
