import * as core from '@actions/core'
import * as github from '@actions/github'
import { parseSettings, SettingsError, type InputName, type Settings } from './config.js'
import { GorgiasClient } from './gorgias/client.js'
import { AuthError } from './gorgias/errors.js'
import { loadPolicyModule, type BoundVeto } from './policyModule.js'
import { failureLine, outputs, requestLine, summaryMarkdown } from './report.js'
import type { Report } from './sweep.js'
import { sweep } from './sweep.js'
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

  let veto: BoundVeto | null
  try {
    veto = settings.policyModule ? await loadPolicyModule(settings, core) : null
  } catch (err) {
    core.setFailed(err instanceof Error ? err.message : String(err))
    return
  }

  if (settings.dryRun) core.notice('Dry run: nothing will be changed in Gorgias.')
  const client = new GorgiasClient({
    baseUrl: settings.apiUrl,
    email: settings.email,
    apiKey: settings.apiKey,
    onEvent: e => {
      if (e.type === 'wait' && e.ms >= 1000)
        core.info(`waiting ${(e.ms / 1000).toFixed(1)} s (${e.reason})`)
      else if (e.type === 'retry')
        core.info(`retrying ${e.kind} (attempt ${e.attempt}): ${e.cause}`)
    }
  })

  let report: Report
  try {
    report = await sweep({
      client,
      settings,
      now: () => new Date(),
      veto: veto ? veto.bind(null, client) : null,
      usage: () => requestLine(client.stats()),
      log: {
        info: m => core.info(m),
        warning: m => core.warning(m),
        startGroup: n => core.startGroup(n),
        endGroup: () => core.endGroup()
      }
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
  for (const [name, value] of Object.entries(outputs(report))) core.setOutput(name, value)
  await writeSummary(summaryMarkdown(report, settings, client.stats()) + runLink())
  const failure = failureLine(report)
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
  const { serverUrl } = github.context
  return `\n[Workflow run](${serverUrl}/${repository}/actions/runs/${runId})\n`
}
