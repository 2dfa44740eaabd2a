// Renders a job summary (Markdown, as the action writes to GITHUB_STEP_SUMMARY) to a PNG that looks
// like GitHub's run page shows it, with headless Chromium from the system packages:
//
//   node scripts/render-summary.mjs docs/job-summary.md docs/job-summary.png
//
// A one-off docs step, not run in CI. Needs /usr/bin/chromium (Debian/Ubuntu:
// `apt-get update && apt-get install -y chromium`); set CHROMIUM=/path/to/chrome to use another.
// The page is rendered twice: once to measure its height, once to screenshot exactly that.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { marked } from 'marked'

const WIDTH = 1200
const TIMEOUT_MS = 60_000
/** The job's id in .github/workflows/auto-close.yml: GitHub titles the card "<job> summary". */
const JOB = 'sweep'

const [input, output] = process.argv.slice(2)
if (!input || !output) {
  console.error('Usage: node scripts/render-summary.mjs IN.md OUT.png')
  process.exit(2)
}
const chromium = process.env.CHROMIUM || '/usr/bin/chromium'
if (!existsSync(chromium)) {
  console.error(
    `${chromium} not found. Install it (Debian/Ubuntu: apt-get update && apt-get install -y chromium) or set CHROMIUM.`
  )
  process.exit(2)
}

const escape = text => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

// GitHub's light theme (Primer) for Markdown bodies, reduced to what a job summary uses.
const CSS = `
  * { box-sizing: border-box; }
  html, body { margin: 0; background: #ffffff; }
  body {
    color: #1f2328;
    font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial,
      sans-serif, "Apple Color Emoji", "Segoe UI Emoji";
    font-size: 14px;
    line-height: 1.5;
    padding: 24px;
  }
  .card { border: 1px solid #d1d9e0; border-radius: 6px; overflow: hidden; }
  .card-header {
    display: flex; align-items: center; justify-content: space-between;
    padding: 12px 16px; background: #f6f8fa; border-bottom: 1px solid #d1d9e0;
    font-weight: 600; font-size: 14px;
  }
  .card-header .kebab { color: #59636e; font-size: 18px; line-height: 1; letter-spacing: 1px; }
  .markdown-body { padding: 16px 24px 8px; font-size: 14px; }
  .markdown-body > :first-child { margin-top: 0 !important; }
  .markdown-body h2 {
    font-size: 1.5em; font-weight: 600; line-height: 1.25;
    margin: 24px 0 16px; padding-bottom: 0.3em; border-bottom: 1px solid #d1d9e0b3;
  }
  .markdown-body h3 { font-size: 1.25em; font-weight: 600; line-height: 1.25; margin: 24px 0 16px; }
  .markdown-body p, .markdown-body table, .markdown-body details { margin: 0 0 16px; }
  .markdown-body a { color: #0969da; text-decoration: none; }
  .markdown-body strong { font-weight: 600; }
  .markdown-body code {
    font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono",
      monospace;
    font-size: 85%; padding: 0.2em 0.4em; border-radius: 6px; background: #818b981f;
  }
  .markdown-body table {
    border-spacing: 0; border-collapse: collapse; display: block; width: max-content;
    max-width: 100%; overflow: auto; font-variant: tabular-nums;
  }
  .markdown-body th { font-weight: 600; }
  .markdown-body th, .markdown-body td { padding: 6px 13px; border: 1px solid #d1d9e0; }
  .markdown-body tr { background: #ffffff; border-top: 1px solid #d1d9e0b3; }
  .markdown-body tr:nth-child(2n) { background: #f6f8fa; }
  .markdown-body summary { cursor: pointer; display: list-item; }
`

function page(markdown) {
  const body = marked.parse(markdown, { gfm: true, async: false })
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${JOB} summary</title><style>${CSS}</style></head>
<body>
<div class="card">
  <div class="card-header"><span>${escape(JOB)} summary</span><span class="kebab">&middot;&middot;&middot;</span></div>
  <div class="markdown-body">
${body}
  </div>
</div>
<script>
  // Read back by the measuring pass (--dump-dom): the height the screenshot needs.
  addEventListener('load', () => {
    document.body.dataset.height = String(Math.ceil(document.documentElement.scrollHeight))
  })
</script>
</body></html>
`
}

/** Runs Chromium headless with the fixed flags plus `extra`; resolves to its stdout. */
function chrome(profile, extra, url) {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    '--hide-scrollbars',
    '--force-device-scale-factor=1',
    ...extra,
    url
  ]
  return new Promise((done, fail) => {
    const child = spawn(chromium, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += d))
    child.stderr.on('data', d => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      fail(new Error(`chromium did not finish in ${TIMEOUT_MS / 1000} s\n${stderr}`))
    }, TIMEOUT_MS)
    child.on('error', err => {
      clearTimeout(timer)
      fail(err)
    })
    child.on('close', code => {
      clearTimeout(timer)
      if (code === 0) done(stdout)
      else fail(new Error(`chromium exited with ${code}\n${stderr}`))
    })
  })
}

const dir = mkdtempSync(join(tmpdir(), 'render-summary-'))
try {
  const html = join(dir, 'summary.html')
  writeFileSync(html, page(readFileSync(input, 'utf8')))
  const url = pathToFileURL(html).href

  // Pass 1: lay the page out at the final width and read its height back from the DOM.
  const dom = await chrome(
    join(dir, 'profile-1'),
    [`--window-size=${WIDTH},800`, '--dump-dom'],
    url
  )
  const measured = Number(/data-height="(\d+)"/.exec(dom)?.[1])
  if (!(measured > 0)) throw new Error('could not measure the page height')
  const height = Math.min(measured, 16_000)

  // Pass 2: the screenshot, exactly as tall as the content.
  const png = resolve(output)
  await chrome(
    join(dir, 'profile-2'),
    [`--window-size=${WIDTH},${height}`, `--screenshot=${png}`],
    url
  )
  if (!existsSync(png)) throw new Error(`chromium wrote no ${png}`)
  const kb = (readFileSync(png).length / 1024).toFixed(0)
  console.log(`${output}: ${WIDTH}x${height}, ${kb} KB`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
