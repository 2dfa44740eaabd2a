import { randomBytes } from 'node:crypto'
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/**
 * Writes `text` to `path`, creating its folder. Atomic: the file is written next to its final
 * name and renamed, so a reader (a later run, an upload step after a cancelled run) sees the
 * previous file or the whole new one, never half of one. A failure throws `failed(reason)`.
 */
export function writeFileAtomically(
  path: string,
  text: string,
  failed: (reason: string) => string
): void {
  const folder = dirname(path)
  const temporary = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    mkdirSync(folder, { recursive: true })
    writeFileSync(temporary, text, { flag: 'wx' })
    renameSync(temporary, path)
  } catch (err) {
    try {
      rmSync(temporary, { force: true })
    } catch {
      // The folder itself is unusable (not a folder, no permission): there is nothing to clean.
    }
    const reason = err instanceof Error ? err.message : String(err)
    throw new Error(failed(reason), { cause: err })
  }
}
