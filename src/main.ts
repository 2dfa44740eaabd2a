import * as core from '@actions/core'
import * as github from '@actions/github'
import { parseSettings, SettingsError, type InputName, type Settings } from './config.js'
import { AuthError } from './gorgias/errors.js'
import { failureLine, outputs, stopLine, summaryMarkdown } from './report.js'
import { runSweep } from './run.js'
import { credentialsHelp, registerSecrets } from './secrets.js'

/** run(): read inputs -> sweep -> summary + outputs. The only module that knows GitHub Actions. */
export async function run(): Promise<void> {
  // Masked before anything else can print it, including a bad-input error.
  registerSecrets(
    core.getInput('gorgias-api-key') || process.env.GORGIAS_API_KEY || '',
    core.getInput('gorgias-email') || process.env.GORGIAS_EMAIL || '',
    core.setSecret
  )

  let settings: Settings
  try {
    settings = parseSettings((name: InputName) => core.getInput(name), {
      env: process.env,
      workspace: process.env.GITHUB_WORKSPACE || process.cwd()
    })
  } catch (err) {
    if (err instanceof SettingsError) {
      core.setFailed(err.message)
      return
    }
    throw err
  }
  if (settings.dryRun) core.notice('Dry run: nothing will be changed in Gorgias.')

  let result: Awaited<ReturnType<typeof runSweep>>
  try {
    result = await runSweep(settings, {
      info: m => core.info(m),
      warning: m => core.warning(m),
      startGroup: n => core.startGroup(n),
      endGroup: () => core.endGroup()
    })
  } catch (err) {
    const message =
      err instanceof AuthError
        ? credentialsHelp(err, settings)
        : err instanceof Error
          ? err.message
          : String(err)
    await writeSummary(`## Gorgias auto-close: ${settings.domain}\n\n**Stopped:** ${message}\n`)
    core.setFailed(message)
    return
  }

  // Outputs first: they are what later steps depend on, and setting them cannot fail the run.
  const { report, stats } = result
  for (const [name, value] of Object.entries(outputs(report))) core.setOutput(name, value)
  await writeSummary(summaryMarkdown(report, settings, stats) + runLink())
  const failure = stopLine(report, settings) ?? failureLine(report)
  if (failure) core.setFailed(failure)
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
