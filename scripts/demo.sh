#!/usr/bin/env bash
# The README's first command: set up everything (idempotent), then investigate the bundled samples:
#   1. samples/net in the four variants (cgo default, CGO_ENABLED=0, -tags netgo, -tags netcgo)
#   2. the seed post's two programs side by side: samples/cgo (calls C.puts) and samples/native (pure Go)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo
echo "== samples/net: one program, four builds =="
node dist/cli.js investigate samples/net "$@"
echo
echo "== the seed's programs: cgo vs pure Go =="
node dist/cli.js investigate samples/cgo samples/native --variants default "$@"
