// From a real `strace -k` frame to a source line: the bundled native sample built and traced with stacks,
// each frame's file offset turned into an address through the binary's program headers, and
// `go tool addr2line` naming the same function strace named, in a file that exists (GOROOT included).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { analyzeLog } from '../../src/core/analyze';
import { readElf } from '../../src/core/elf';
import { addr2line, fileOffsetToVaddr, frameOffset } from '../../src/core/run/addr2line';
import { buildVariant, makePrivateTempDir, removeTempDir, type BuildResult } from '../../src/core/run/build';
import { findGo, findStrace, type ToolLocation } from '../../src/core/run/tools';

const run = promisify(execFile);
const SAMPLES = path.resolve(__dirname, '../../samples');

describe('strace -k frames to source lines', () => {
  let dir: string;
  let go: ToolLocation;
  let built: BuildResult;

  before(async () => {
    go = await findGo();
    dir = await makePrivateTempDir('go-memory-lens-test-');
    const b = await buildVariant({ go, packageDir: path.join(SAMPLES, 'native'), outDir: dir, variant: { name: 'pure', env: { CGO_ENABLED: '0' } } });
    assert.ok(b.ok, 'the sample builds');
    built = b as BuildResult;
  });
  after(async () => {
    if (dir) await removeTempDir(dir);
  });

  it('resolves the Go runtime frames of the first reservations to the functions strace named', async () => {
    const strace = await findStrace();
    const log = path.join(dir, 'stacks.strace');
    await run(strace.path, ['-f', '-k', '-e', 'trace=mmap', '-o', log, built.binary], { timeout: 60_000 });
    const vr = await analyzeLog(log, { binary: built.binary });
    const withStack = vr.events.filter((e) => e.stack?.length).slice(0, 5);
    assert.ok(withStack.length > 0, 'strace -k gave stacks');
    const elf = await readElf(built.binary);
    const frames = withStack.flatMap((e) => e.stack!.filter((f) => f.includes(`(${path.basename(built.binary)})`)).slice(0, 3));
    const addrs = frames.map((f) => fileOffsetToVaddr(elf, frameOffset(f)!)!);
    assert.ok(addrs.every((a) => a !== undefined && a > 0), frames.join('\n'));
    const resolved = await addr2line(go, built.binary, addrs);
    let checked = 0;
    frames.forEach((f, i) => {
      const r = resolved[i];
      assert.ok(r, `no source for ${f}`);
      const named = /^(\S+?)\+0x/.exec(f)?.[1];
      if (named) {
        // the symbol table names assembly ABI wrappers "….abi0"; the line table names the function itself
        assert.equal(r.func, named.replace(/\.abi0$/, ''), f);
        checked++;
      }
      assert.ok(path.isAbsolute(r.file) && existsSync(r.file), `${r.file} exists`);
      assert.ok(r.line > 0);
    });
    assert.ok(checked >= 3, 'several frames named by both');
    assert.ok(resolved.some((r) => /\/src\/runtime\/[a-z0-9_]+\.go$/.test(r!.file)), 'runtime frames resolve into GOROOT');
  });

  it('offsets outside every loaded segment have no address', async () => {
    const elf = await readElf(built.binary);
    assert.equal(fileOffsetToVaddr(elf, elf.fileSize + 4096), undefined);
    assert.equal(frameOffset('runtime.sysAlloc+0x35 (prog)'), undefined);
    assert.equal(frameOffset('runtime.sysAlloc+0x35 (prog) [0x12395]'), 0x12395);
  });
});
