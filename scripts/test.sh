#!/usr/bin/env bash
# The README's second command (`npm test`), and what CI runs: set up (idempotent), type-check, lint,
# then the unit tests (plain Node, no tools) and the system tests (real go, strace and node-pty).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
npm run -s typecheck
npm run -s lint
npm run -s test:unit
npm run -s test:system
