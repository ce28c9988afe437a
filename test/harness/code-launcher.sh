#!/usr/bin/env bash
# The executable @vscode/test-electron starts in place of VS Code desktop (see launcher.ts).
cd "$(dirname "$0")/../.." && exec node --import tsx test/harness/launcher.ts "$@"
