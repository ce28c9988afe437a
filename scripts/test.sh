#!/usr/bin/env bash
# The README's second command (`npm test`), and what CI runs: set up (idempotent), type-check, lint,
# then the unit tests (plain Node, no tools), the system tests (real go, strace and node-pty), the
# integration tests (mocha inside a real VS Code extension host: code-server) and the end-to-end test
# (the packaged .vsix in code-server, driven through Debian's Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
npm run -s typecheck
npm run -s lint
npm run -s test:unit
npm run -s test:system
npm run -s test:browser
npm run -s test:lsp
npm run -s test:integration -- --no-build
npm run -s test:e2e
