#!/usr/bin/env bash
# Installs what Go Memory Lens needs on Debian 12 (bookworm) / Ubuntu, idempotently:
#   - Go 1.23 (Debian's golang-1.23-go from bookworm-backports; the backports source is derived from the
#     machine's own apt source, so no mirror host is written here), strace
#   - with --test: what the test suite needs beyond that (procps for process-table checks, and through
#     scripts/setup-vscode.sh: Debian's chromium and code-server from the npm registry for the VS Code tests)
#   - npm packages (npm ci) and the bundles (npm run build)
# Usage: bash scripts/setup.sh [--test] [--no-npm]
set -euo pipefail
HERE="$(cd "$(dirname "$0")/.." && pwd)"
WANT_TEST=0; WANT_NPM=1
for a in "$@"; do
  case "$a" in
    --test) WANT_TEST=1 ;;
    --no-npm) WANT_NPM=0 ;;
    *) echo "setup: unknown option $a" >&2; exit 2 ;;
  esac
done
say() { printf '[setup] %s\n' "$*"; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

APT_UPDATED=0
apt_update() { [ "$APT_UPDATED" = 1 ] || { $SUDO apt-get update -qq; APT_UPDATED=1; }; }
need_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# Derive a bookworm-backports source from the first apt source that serves "bookworm" (deb822 or one-line).
ensure_backports() {
  local codename; codename="$(. /etc/os-release; echo "${VERSION_CODENAME:-}")"
  [ -n "$codename" ] || { say "cannot tell the Debian release; skipping backports"; return 0; }
  if grep -rqsE "(^|[[:space:]])${codename}-backports([[:space:]]|$)" /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then
    return 0
  fi
  local dst=/etc/apt/sources.list.d/go-memory-lens-backports.sources
  local uri="" signed=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    # the stanza whose Suites list the plain release name
    read -r uri signed < <(awk -v rel="$codename" '
      BEGIN { RS=""; FS="\n" }
      { u=""; s=""; ok=0
        for (i=1;i<=NF;i++) {
          if ($i ~ /^URIs:/) { u=$i; sub(/^URIs:[ \t]*/,"",u); split(u,a," "); u=a[1] }
          if ($i ~ /^Signed-By:/) { s=$i; sub(/^Signed-By:[ \t]*/,"",s) }
          if ($i ~ /^Suites:/) { n=split($i,b,/[ \t]+/); for (j=2;j<=n;j++) if (b[j]==rel) ok=1 }
        }
        if (ok && u!="") { print u, (s==""?"-":s); exit } }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri="$(awk -v rel="$codename" '$1=="deb" { for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { if ($(i+1)==rel) { print $i; exit } } }' /etc/apt/sources.list)"
    signed="-"
  fi
  [ -n "$uri" ] || { echo "setup: no apt source for $codename found to derive $codename-backports from" >&2; exit 1; }
  say "adding ${codename}-backports from the existing source ($uri)"
  {
    echo "Types: deb"
    echo "URIs: $uri"
    echo "Suites: ${codename}-backports"
    echo "Components: main"
    [ "$signed" = "-" ] || echo "Signed-By: $signed"
  } | $SUDO tee "$dst" >/dev/null
  APT_UPDATED=0
}

GO_BIN=/usr/lib/go-1.23/bin/go
if [ ! -x "$GO_BIN" ]; then
  ensure_backports
  apt_update
  codename="$(. /etc/os-release; echo "$VERSION_CODENAME")"
  say "installing golang-1.23-go from ${codename}-backports"
  $SUDO apt-get install -y -qq -t "${codename}-backports" golang-1.23-go >/dev/null
fi
pkgs=()
need_pkg strace || pkgs+=(strace)
need_pkg gcc || pkgs+=(gcc)
need_pkg libc6-dev || pkgs+=(libc6-dev)
if [ "$WANT_TEST" = 1 ]; then
  need_pkg procps || pkgs+=(procps)
fi
if [ "${#pkgs[@]}" -gt 0 ]; then
  apt_update
  say "installing ${pkgs[*]}"
  $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi
say "go: $("$GO_BIN" version)"
say "strace: $(strace -V | head -1)"

if [ "$WANT_NPM" = 1 ]; then
  cd "$HERE"
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error
  fi
  npm run -s build
fi
if [ "$WANT_TEST" = 1 ]; then
  bash "$HERE/scripts/setup-vscode.sh"
fi
say "ready"
