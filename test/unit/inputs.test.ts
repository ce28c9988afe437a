// The checks every user-given path and number passes before the engine reads, builds or runs anything.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { InputError, MAX_TIMEOUT_SECONDS, parseTimeoutSeconds, readRegularFile } from '../../src/core/inputs';
import { readElf } from '../../src/core/elf';
import { investigate } from '../../src/core/investigate';
import { ToolError } from '../../src/core/run/tools';

describe('parseTimeoutSeconds', () => {
  it('takes 1 s to 24 h, and 0 or none for no limit', () => {
    assert.deepEqual(parseTimeoutSeconds(60), { seconds: 60 });
    assert.deepEqual(parseTimeoutSeconds('1'), { seconds: 1 });
    assert.deepEqual(parseTimeoutSeconds('2.5'), { seconds: 2.5 });
    assert.deepEqual(parseTimeoutSeconds(String(MAX_TIMEOUT_SECONDS)), { seconds: 86400 });
    assert.deepEqual(parseTimeoutSeconds('none'), { seconds: undefined });
    assert.deepEqual(parseTimeoutSeconds(0), { seconds: undefined });
    assert.deepEqual(parseTimeoutSeconds('0'), { seconds: undefined });
  });

  it('refuses what a timer cannot hold or is no number, with a sentence', () => {
    for (const raw of ['3000000', 3000000, 'Infinity', Infinity, 86401, '-1', -5, 0.5, 'abc', '', ' ', NaN, null, {}, '1e9', true]) {
      const r = parseTimeoutSeconds(raw);
      assert.ok('problem' in r, String(raw));
      assert.match(r.problem, /is not a number of seconds from 1 to 86400 \(24 h\), or 0 or none for no limit/);
    }
  });
});

describe('investigate checks its options before it locates or runs anything', () => {
  it('a timeout beyond what a timer holds is refused (it would fire at once and kill the program)', async () => {
    for (const timeoutMs of [3e9, Infinity, 2 ** 31, -1, NaN]) {
      await assert.rejects(investigate({ packageDir: '.', timeoutMs }), (err: unknown) => err instanceof ToolError && /timeout .* is out of range/.test(err.message) && /from 1 to 86400 seconds/.test(err.fix), String(timeoutMs));
    }
  });

  it('a missing package folder, or a file given as one, is an InputError that names it', async () => {
    await assert.rejects(investigate({ packageDir: '/no/such/package' }), (err: unknown) => err instanceof InputError && /the package folder \/no\/such\/package does not exist/.test(err.message));
    await assert.rejects(investigate({ packageDir: __filename }), (err: unknown) => err instanceof InputError && /is a file, not a folder/.test(err.message));
    await assert.rejects(investigate({ packageDir: '.', cwd: '/no/such/cwd' }), (err: unknown) => err instanceof InputError && /the working folder \/no\/such\/cwd does not exist/.test(err.message));
  });
});

describe('readRegularFile', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gml-inputs-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads a small file, refuses one past the cap and anything that is not a regular file', async () => {
    const f = path.join(tmp, 'a.json');
    writeFileSync(f, '{"status":"x"}');
    assert.equal(await readRegularFile(f, '--proc', 'fix it', 100), '{"status":"x"}');
    await assert.rejects(readRegularFile(f, '--proc', 'fix it', 10), /is 14 bytes, more than the 10 it can be/);
    await assert.rejects(readRegularFile(tmp, '--proc', 'fix it', 100), /is a folder, not a regular file/);
    await assert.rejects(readRegularFile('/dev/zero', '--proc', 'fix it', 100), /is a character device, not a regular file/);
    // a file whose size says 0 but that reads without end, like those in /proc, stops at the cap
    await assert.rejects(readRegularFile('/proc/self/maps', '--proc', 'fix it', 16), /is more than 16 bytes/);
    // and one that says 0 but holds more than the first buffer is read whole
    const smaps = await readRegularFile('/proc/self/smaps', '--proc', 'fix it', 16 << 20);
    assert.ok(smaps.length > 64 * 1024, String(smaps.length));
    assert.match(smaps.slice(-200), /VmFlags:.*\n$/);
  });
});

describe('readElf (the binary of an analysis, and its interpreter)', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gml-elf-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('refuses a pipe, a device or a folder at once instead of waiting for a writer', { timeout: 10_000 }, async () => {
    const fifo = path.join(tmp, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(readElf(fifo), /fifo: not a regular file \(a pipe or device\)/);
    await assert.rejects(readElf('/dev/zero'), /not a regular file/);
    await assert.rejects(readElf(tmp), /a folder, not an executable/);
    assert.ok((await readElf('/bin/true')).loads.length > 0);
  });
});
