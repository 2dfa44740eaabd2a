#!/usr/bin/env node
/**
 * The release notes of one version: its section of CHANGELOG.md, for the release workflow.
 *
 *   node scripts/changelog-section.mjs v1.2.3        (reads ./CHANGELOG.md and ./package.json)
 *
 * Prints the body of `## [1.2.3] - YYYY-MM-DD` (up to the next `## ` heading or the link
 * definitions at the bottom) on stdout. Refuses, with exit 1 and a message that says what to fix:
 * a tag that is not vX.Y.Z, a package.json version that is not X.Y.Z, a section that is missing,
 * undated or empty. Nothing is released from a tag the CHANGELOG does not describe.
 */
import { readFileSync } from 'node:fs'

const TAG = /^v(\d+\.\d+\.\d+)$/

function fail(message) {
  console.error(`changelog-section: ${message}`)
  process.exit(1)
}

function read(file) {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    return fail(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** The lines of `## [version] ...` up to the next section or the link definitions. */
function section(changelog, version) {
  const lines = changelog.split(/\r?\n/)
  const escaped = version.replace(/\./g, '\\.')
  const heading = new RegExp(`^## \\[${escaped}\\](.*)$`)
  const start = lines.findIndex(line => heading.test(line))
  if (start < 0) return null
  const rest = lines.slice(start + 1)
  const end = rest.findIndex(line => /^## /.test(line) || /^\[[^\]]+\]:\s/.test(line))
  const body = (end < 0 ? rest : rest.slice(0, end)).join('\n').trim()
  const dated = /^ - \d{4}-\d{2}-\d{2}\s*$/.test(heading.exec(lines[start])?.[1] ?? '')
  return { body, dated }
}

const [tag] = process.argv.slice(2)
if (!tag) fail('usage: node scripts/changelog-section.mjs vX.Y.Z')
const version = TAG.exec(tag)?.[1]
if (!version) fail(`tag "${tag}" is not a release tag: push a tag named vX.Y.Z, such as v1.2.3`)

const manifest = JSON.parse(read('package.json'))
if (manifest.version !== version) {
  fail(
    `tag ${tag} but package.json has version ${manifest.version}: run ` +
      `\`npm version ${version} --no-git-tag-version\`, commit, and tag that commit`
  )
}

const found = section(read('CHANGELOG.md'), version)
if (!found) {
  fail(
    `CHANGELOG.md has no "## [${version}] - YYYY-MM-DD" section: move the Unreleased entries into one`
  )
}
if (!found.dated)
  fail(`CHANGELOG.md: the [${version}] heading needs its date, "## [${version}] - YYYY-MM-DD"`)
if (found.body === '') fail(`CHANGELOG.md: the [${version}] section is empty: list what changed`)
process.stdout.write(`${found.body}\n`)
