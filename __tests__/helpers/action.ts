import { spawn } from 'node:child_process'
import type { GorgiasSimulator } from '../../simulator/server.js'

export { runAction, type ActionRun } from '../../simulator/runner.js'

/** Inputs that point the action at a simulator. */
export function simInputs(sim: GorgiasSimulator, extra: Record<string, string> = {}) {
  return {
    'gorgias-domain': 'acme',
    'gorgias-email': sim.email,
    'gorgias-api-key': sim.apiKey,
    'api-url': sim.baseUrl,
    ...extra
  }
}

/** An open email ticket whose agent replied `hoursAgo` hours ago, after the customer wrote. */
export function dueTicket(
  sim: GorgiasSimulator,
  hoursAgo = 50,
  extra: Record<string, unknown> = {}
) {
  const now = Date.now()
  const iso = (h: number): string => new Date(now - h * 3_600_000).toISOString()
  return sim.addTicket({
    created_datetime: iso(hoursAgo + 10),
    messages: [
      { from_agent: false, created_datetime: iso(hoursAgo + 5) },
      { from_agent: true, created_datetime: iso(hoursAgo) }
    ],
    ...extra
  })
}

/** Runs the CLI bundle (`node dist/cli.js ...`) with the given environment. */
export async function runCli(
  args: string[],
  env: Record<string, string>
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['dist/cli.js', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const code = await new Promise<number>(resolve => child.on('close', c => resolve(c ?? -1)))
  return { code, stdout, stderr }
}
