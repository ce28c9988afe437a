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

describe('variant env', { timeout: 240_000 }, () => {
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
});
