import { describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

/**
 * scripts/changelog-section.mjs: the release workflow publishes a tag with its CHANGELOG section as
 * the notes, and refuses a tag the CHANGELOG or package.json do not describe.
 */
const SCRIPT = resolve('scripts/changelog-section.mjs')

const CHANGELOG = `# Changelog

Intro text.

## [Unreleased]

### Added

- Not released yet.

## [1.2.0] - 2026-12-20

### Added

- The new thing.

### Fixed

- The old bug.

## [1.1.0]

- Undated.

## [1.0.1] - 2026-12-10

## [1.0.0] - 2026-12-05

### Added

- The first release.

[Unreleased]: https://github.com/o/r/compare/v1.2.0...HEAD
[1.2.0]: https://github.com/o/r/releases/tag/v1.2.0
`

function run(tag: string, version: string, changelog = CHANGELOG) {
  const dir = mkdtempSync(join(tmpdir(), 'changelog-'))
  try {
    writeFileSync(join(dir, 'CHANGELOG.md'), changelog)
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ version }))
    try {
      const stdout = execFileSync(process.execPath, [SCRIPT, tag], {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe']
      })
      return { code: 0, stdout, stderr: '' }
    } catch (err) {
      const e = err as { status: number; stdout: string; stderr: string }
      return { code: e.status, stdout: e.stdout, stderr: e.stderr }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('changelog-section', () => {
  test("prints the version's section, up to the next version", () => {
    expect(run('v1.2.0', '1.2.0')).toEqual({
      code: 0,
      stdout: '### Added\n\n- The new thing.\n\n### Fixed\n\n- The old bug.\n',
      stderr: ''
    })
  })

  test('the last section stops at the link definitions', () => {
    expect(run('v1.0.0', '1.0.0').stdout).toBe('### Added\n\n- The first release.\n')
  })

  test.each([
    ['v1.2', '1.2.0', /not a release tag: push a tag named vX\.Y\.Z/],
    ['1.2.0', '1.2.0', /not a release tag/],
    ['v1.2.0-rc.1', '1.2.0', /not a release tag/],
    ['v1.2.0', '1.1.0', /package\.json has version 1\.1\.0: run `npm version 1\.2\.0/],
    ['v1.3.0', '1.3.0', /no "## \[1\.3\.0\] - YYYY-MM-DD" section/],
    ['v1.1.0', '1.1.0', /heading needs its date/],
    ['v1.0.1', '1.0.1', /section is empty/]
  ])('refuses %s with package.json %s', (tag, version, message) => {
    const { code, stdout, stderr } = run(tag, version)
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(message)
  })

  test("this repository's CHANGELOG has a section for package.json's version", () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }
    const { code, stdout } = run(`v${version}`, version, readFileSync('CHANGELOG.md', 'utf8'))
    expect(code).toBe(0)
    expect(stdout).toMatch(/^### Added\n/)
    // What is merged but not released waits under Unreleased, above the newest release.
    const text = readFileSync('CHANGELOG.md', 'utf8')
    expect(text.indexOf('\n## [Unreleased]\n')).toBeGreaterThan(0)
    expect(text.indexOf('\n## [Unreleased]\n')).toBeLessThan(text.indexOf(`\n## [${version}] - `))
  })
})
