#!/usr/bin/env bash
# Installs what the VS Code tests need, idempotently, into git-ignored folders of the checkout:
#   - Debian's chromium (the browser that shows the workbench) and libkrb5-dev/pkg-config (code-server's
#     native modules build against them)
#   - code-server 4.100.3 from the npm registry (= VS Code 1.100.3, the newest line that runs on Node 20)
#     into .vscode-test/code-server-<version>/
# code-server's postinstall fetches ripgrep from GitHub; the same binary ships in the npm package
# @vscode/ripgrep-linux-x64, so the download cache is seeded from there and nothing leaves the npm registry.
# Usage: bash scripts/setup-vscode.sh
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
CS_VERSION="${GML_CODE_SERVER_VERSION:-4.100.3}"
DEST="$HERE/.vscode-test/code-server-$CS_VERSION"
say() { printf '[setup-vscode] %s\n' "$*"; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
need_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

pkgs=()
for p in chromium libkrb5-dev pkg-config; do need_pkg "$p" || pkgs+=("$p"); done
if [ "${#pkgs[@]}" -gt 0 ]; then
  say "installing ${pkgs[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi

SERVER_MAIN="$DEST/node_modules/code-server/lib/vscode/out/server-main.js"
PTY_NODE="$DEST/node_modules/code-server/lib/vscode/node_modules/node-pty/build/Release/pty.node"
if [ -f "$SERVER_MAIN" ] && [ -f "$PTY_NODE" ]; then
  say "code-server $CS_VERSION ready in .vscode-test/"
  exit 0
fi
t0=$(date +%s)
mkdir -p "$DEST/tmp"
export TMPDIR="$DEST/tmp"
# @vscode/ripgrep (pinned by VS Code's shrinkwrap) looks for this archive in $TMPDIR before downloading it.
RG_CACHE="$TMPDIR/vscode-ripgrep-cache-1.15.11"
RG_TGZ="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$RG_TGZ" ]; then
  w="$(mktemp -d)"
  (cd "$w" && npm pack -q @vscode/ripgrep-linux-x64@1.18.0 >/dev/null && tar xzf vscode-ripgrep-linux-x64-1.18.0.tgz)
  mkdir -p "$RG_CACHE"
  tar czf "$RG_TGZ" -C "$w/package/bin" rg
  rm -rf "$w"
fi
# code-server's postinstall refuses root without unsafe-perm; node-pty's postinstall runs `npx node-gyp`.
export npm_config_unsafe_perm=true npm_config_yes=true
cd "$DEST"
[ -f package.json ] || printf '{ "name": "code-server-for-tests", "private": true }\n' > package.json
say "installing code-server $CS_VERSION from the npm registry (a few minutes)"
if ! npm i "code-server@$CS_VERSION" --foreground-scripts --no-audit --no-fund > install.log 2>&1; then
  tail -40 install.log >&2
  echo "setup-vscode: code-server did not install; the log is in .vscode-test/code-server-$CS_VERSION/install.log" >&2
  exit 1
fi
[ -f "$SERVER_MAIN" ] || { echo "setup-vscode: $SERVER_MAIN missing after install" >&2; exit 1; }
say "code-server $CS_VERSION installed in $(( $(date +%s) - t0 )) s ($(du -sh node_modules | cut -f1))"
