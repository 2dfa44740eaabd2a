// Entry of the CLI bundle (see scripts/bundle.mjs).
import './cli/index.js'
