// A variant's env is what the variant says: it reaches the build *and* the traced program (issue 16: a
// custom variant's MALLOC_ARENA_MAX used to reach only `go build`, and run-to-run noise was shown as its effect).
import { strict as assert } from 'node:assert';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { investigate } from '../../src/core/investigate';
import { writeModule } from './helpers/goModule';

// cgo, and four C threads that each malloc while the others hold theirs: glibc gives a new thread its own
// arena (up to 8 × cores) unless MALLOC_ARENA_MAX says otherwise.
const ARENAS = `package main

/*
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
static void *work(void *arg) { void *p = malloc(1024); usleep(200000); free(p); return 0; }
static void run(void) {
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], 0, work, 0);
  for (int i = 0; i < 4; i++) pthread_join(t[i], 0);
}
*/
import "C"
import (
	"fmt"
	"os"
)

func main() {
	C.run()
	fmt.Printf("probe=%q arenamax=%q\\n", os.Getenv("GML_VARIANT_PROBE"), os.Getenv("MALLOC_ARENA_MAX"))
}
`;

// Exits as soon as it starts: the hardest case for the runner to catch at exit_group.
const QUICK = `package main

func main() {}
`;

describe('investigate: a variant\'s env reaches its program; the kernel view at exit is always taken', { timeout: 240_000 }, () => {
  let dir = '';
  before(async () => { dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gml-varenv-')); });
  after(async () => { await fsp.rm(dir, { recursive: true, force: true }); });

  it("reaches the traced program: the program prints it, and MALLOC_ARENA_MAX=1 leaves no malloc arena", async () => {
    const pkg = await writeModule(dir, 'arenas', ARENAS);
    const { report } = await investigate({
      packageDir: pkg,
      variants: [{ name: 'default' }, { name: 'arena1', env: { MALLOC_ARENA_MAX: '1', GML_VARIANT_PROBE: 'arena1' } }],
      timeoutMs: 60_000,
      usePty: false,
    });
    const [def, one] = report.variants;
    assert.equal(one.name, 'arena1');
    assert.match(one.run!.output!, /probe="arena1" arenamax="1"/);
    assert.match(def.run!.output!, /probe="" arenamax=""/);
    const arenas = (v: typeof def): number => v.processes[0].categories['malloc-arena']?.count ?? 0;
    assert.ok(arenas(def) >= 1, `default: ${arenas(def)} malloc arenas`);
    assert.equal(arenas(one), 0, 'MALLOC_ARENA_MAX=1: every thread shares the main arena');
    assert.deepEqual(one.run?.env, { MALLOC_ARENA_MAX: '1', GML_VARIANT_PROBE: 'arena1' }, 'the report says what the variant set');
  });

  it('a kernel view missed at a pause too short to catch is taken again with the long pause: every run has the kernel figures', async () => {
    const pkg = await writeModule(dir, 'quick', QUICK);
    let retried = 0;
    for (let i = 0; i < 4; i++) {
      const logs: string[] = [];
      const { report } = await investigate({ packageDir: pkg, variants: [{ name: 'pure', env: { CGO_ENABLED: '0' } }], timeoutMs: 60_000, usePty: false, exitPauseUs: 1, log: (l) => logs.push(l) });
      const v = report.variants[0];
      const k = v.processes[0].kernel;
      assert.ok(k && k.vmSize > 0, `run ${i}: no kernel figures; ${logs.filter((l) => /notice/.test(l)).join('; ')}`);
      assert.ok(Math.abs(v.processes[0].vsizeAtExit - k.vmSize) <= k.vmSize * 0.01, `run ${i}: model ${v.processes[0].vsizeAtExit} vs kernel ${k.vmSize}`);
      if (v.run?.notices?.some((n) => /^the kernel view at exit was missed \(a busy machine\), so pure was traced again with a 500 ms exit pause$/.test(n))) retried++;
    }
    assert.ok(retried > 0, 'a 1 µs pause is shorter than the runner can react, so some run was traced again');
  });
});
