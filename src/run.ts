import type { Settings } from './config.js'
import { GorgiasClient, type ClientStats } from './gorgias/client.js'
import { loadPolicyModule } from './policyModule.js'
import { requestLine } from './report.js'
import { sweep, type Report, type SweepLog } from './sweep.js'

/**
 * One sweep with everything wired: the policy module (loaded, and so checked, before any request),
 * a paced client, and progress lines that show requests used and rate-limit waits. Shared by the
 * action and the CLI, which differ only in where the lines go and how errors end the process.
 */
export async function runSweep(
  settings: Settings,
  log: SweepLog
): Promise<{ report: Report; stats: ClientStats }> {
  const veto = settings.policyModule ? await loadPolicyModule(settings, log) : null
  const client = new GorgiasClient({
    baseUrl: settings.apiUrl,
    email: settings.email,
    apiKey: settings.apiKey,
    onEvent: e => {
      // Short pacing waits are the normal rhythm of a sweep (progress lines count them);
      // long ones and retries are worth a line of their own.
      if (e.type === 'wait' && e.ms >= 1000) {
        log.info(`waiting ${(e.ms / 1000).toFixed(1)} s (${e.reason})`)
      } else if (e.type === 'retry') {
        log.info(`retrying ${e.kind} (attempt ${e.attempt}): ${e.cause}`)
      }
    }
  })
  const report = await sweep({
    client,
    settings,
    now: () => new Date(),
    veto: veto ? veto.bind(null, client) : null,
    usage: () => requestLine(client.stats()),
    log
  })
  return { report, stats: client.stats() }
}
