#!/usr/bin/env bash
# Traces a dozen ordinary programs of this machine (not Go) with varied strace options and writes the
# logs, gzipped, to test/fixtures/corpus/ with a README that lists each one's command and options.
# test/unit/corpus.test.ts then checks that the parser understands every line (or says why not).
#
# Programs run with a minimal environment (env -i) in a private temporary folder, and the logs are
# scrubbed: the folder, HOME, the repository's path and the host name are replaced with neutral ones,
# so the corpus names nothing of the machine that made it beyond standard system paths.
#
# Usage: scripts/make-corpus.sh [STRACE]   (default: strace on PATH)
set -euo pipefail

STRACE=${1:-strace}
STRACE_BIN=$(command -v "$STRACE")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/test/fixtures/corpus"
WORK=$(mktemp -d) # mode 0700
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/home" "$WORK/run" "$OUT"
rm -f "$OUT"/*.strace.gz "$OUT"/*/*.gz
find "$OUT" -mindepth 1 -type d -empty -delete

# the environment every traced program gets (shown in full by -v)
ENV=(env -i PATH=/usr/bin:/bin HOME="$WORK/home" LANG=C.UTF-8 TERM=dumb
  GIT_AUTHOR_NAME=corpus GIT_AUTHOR_EMAIL=corpus@example.com GIT_COMMITTER_NAME=corpus GIT_COMMITTER_EMAIL=corpus@example.com
  GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z)

# inputs for the programs
cat > "$WORK/run/hello.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
int main(void) { char *p = malloc(1 << 20); printf("%p\n", (void *)p); free(p); return 0; }
EOF
cat > "$WORK/run/Makefile" <<'EOF'
all: out.txt
out.txt: in.txt
	sort in.txt > out.txt
	wc -l out.txt
in.txt:
	printf 'b\na\nc\n' > in.txt
EOF
mkdir -p "$WORK/run/tree/sub"
for i in 1 2 3; do printf 'file %s\n' "$i" > "$WORK/run/tree/sub/f$i.txt"; done
(cd "$WORK/run" && "${ENV[@]}" git init -q repo && cd repo && echo one > a.txt && "${ENV[@]}" git add a.txt && "${ENV[@]}" git commit -qm first && echo two >> a.txt && "${ENV[@]}" git commit -qam second)

README="$WORK/README.md"
cat > "$README" <<EOF
# Real strace output beyond Go programs

Made by \`scripts/make-corpus.sh\` on Debian 12 ($("$STRACE" -V | head -1)). Each program ran with a minimal environment in a
temporary folder; the folder reads \`/tmp/corpus\`, HOME \`/home/user\`, the host name \`corpus-host\`. \`test/unit/corpus.test.ts\`
parses every log and asserts that each line is understood or reported with its reason.

| log | command | strace options | lines |
|---|---|---|---|
EOF

scrub() {
  # temp folder, HOME, repository, host name (only where strace prints it: uname's nodename)
  sed -e "s#$WORK/home#/home/user#g" -e "s#$WORK/run#/tmp/corpus#g" -e "s#$WORK#/tmp/corpus#g" \
    -e "s#$ROOT#/home/user/project#g" -e "s#$HOME#/home/user#g" \
    -e "s#nodename=\"$(hostname)\"#nodename=\"corpus-host\"#g" "$1"
}

# trace NAME 'OPTIONS' COMMAND...: one log (or, with -ff, a folder of per-thread logs)
trace() {
  local name=$1 opts=$2
  shift 2
  local raw="$WORK/raw-$name"
  # shellcheck disable=SC2086 # the options are words
  # strace itself runs in the minimal environment: the first execve it logs (with -v, environment and all) is the program's
  (cd "$WORK/run" && "${ENV[@]}" "$STRACE_BIN" $opts -o "$raw" -- "$@" >/dev/null 2>&1) || true
  local lines=0
  if [[ " $opts " == *" -ff "* ]]; then
    mkdir -p "$OUT/$name"
    for f in "$raw".*; do
      local pid=${f##*.}
      scrub "$f" | gzip -9n > "$OUT/$name/$name.$pid.gz"
      lines=$((lines + $(wc -l < "$f")))
    done
  else
    scrub "$raw" | gzip -9n > "$OUT/$name.strace.gz"
    lines=$(wc -l < "$raw")
  fi
  local cmd="${*@Q}"
  echo "| \`$name\` | \`${cmd//|/\\|}\` | \`$opts\` | $lines |" >> "$README"
}

trace node-sum '-f -tt -T' node -e 'let s = 0; for (let i = 0; i < 1e6; i++) s += i; console.log(s)'
trace node-worker '-ff -ttt' node -e 'const { Worker } = require("worker_threads"); new Worker("postMessage(1)", { eval: true }).on("message", () => process.exit(0))'
trace python-threads '-f -r -s 4096' python3 -c 'import threading, json; t = [threading.Thread(target=lambda: json.dumps(list(range(1000)))) for _ in range(4)]; [x.start() for x in t]; [x.join() for x in t]'
trace python-signal '-f -tt -v' python3 -c 'import os, signal; os.kill(os.getpid(), signal.SIGTERM)'
trace git-version '-f -yy -s 0' git --version
trace git-log '-f -X verbose -T' git -C repo log --stat
trace gcc-hello '-f -tt -T -s 4096' gcc -O1 -o hello hello.c
trace make '-f -k' make
trace apt-cache-policy '-f --seccomp-bpf -e trace=%memory,%process,openat,close -tt' apt-cache policy bash
trace sh-pipeline '-f -ttt -yy' sh -c 'ls /usr/bin | head -3 | wc -l; (echo a; echo b) | cat > /dev/null; true $(date +%Y)'
trace sort-uniq '-ff -tt -T' sh -c 'printf "b\na\nb\n" | sort | uniq -c'
trace tar '-f -yy -ttt -T' sh -c 'tar -cf t.tar tree && tar -tvf t.tar && tar -xOf t.tar tree/sub/f1.txt'
trace sleep-killed '-f -t' sh -c 'sleep 5 & kill -9 $!; wait; exit 3'
trace ls-verbose '-v -X raw' ls -la tree/sub

mv "$README" "$OUT/README.md"
du -sh "$OUT"
