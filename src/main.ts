import * as core from '@actions/core'
import * as github from '@actions/github'
import { inputResolver, type InputName, type Settings } from './config.js'
import { failureLine, outputs, stopLine, stoppedSummary, summaryMarkdown } from './report.js'
import { loadSettings, runSweep } from './run.js'
import { registerSecrets } from './secrets.js'
import { stateLine } from './state.js'
import { stopNotice } from './stop.js'

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
    settings = loadSettings((name: InputName) => core.getInput(name), {
      env: process.env,
      workspace: process.env.GITHUB_WORKSPACE || process.cwd()
    })
    if (settings.apiUrlWarning) core.warning(settings.apiUrlWarning)
    if (settings.dryRun) core.notice('Dry run: nothing will be changed in Gorgias.')
    const { report, stats, auditFile, stateFile } = await runSweep(settings, {
      info: m => core.info(m),
      warning: m => core.warning(m),
      notice: m => core.notice(m),
      startGroup: n => core.startGroup(n),
      endGroup: () => core.endGroup()
    })
    // Outputs first: they are what later steps depend on, and setting them cannot fail the run.
    for (const [name, value] of Object.entries(outputs(report))) core.setOutput(name, value)
    core.setOutput('report-file', auditFile ?? '')
    core.setOutput('state-file', stateFile ?? '')
    const saved = stateLine(report.state)
    await writeSummary(
      summaryMarkdown(report, settings, stats) + runLink() + (saved ? `\n${saved}\n` : '')
    )
    const failure = stopLine(report, settings) ?? failureLine(report)
    if (failure) core.setFailed(failure)
  } catch (err) {
    const { message } = stopNotice(err, settings)
    await writeSummary(stoppedSummary(message, settings))
    core.setFailed(message)
  }
}

/** A summary that cannot be written (no GITHUB_STEP_SUMMARY, a full disk) is a warning, not a failure. */
async function writeSummary(markdown: string): Promise<void> {
  try {
    await core.summary.addRaw(markdown).write()
  } catch (err) {
    core.warning(`job summary not written: ${err instanceof Error ? err.message : String(err)}`)
    core.info(markdown)
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
 */
export const run = runAction
