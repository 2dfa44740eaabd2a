import { runCli } from './cliMain.js'

process.exitCode = await runCli(process.argv.slice(2), process.env)
