// The CLI end to end, with the real toolchain: go (Debian's golang-1.23-go), strace, node-pty.
// Nothing is mocked: these tests build the bundled samples, trace them and compare with the kernel.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import type { Report } from '../../src/protocol/report';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');

function run(args: string[], timeout = 240_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? (err as unknown as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const within = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * b;

before(() => {
  assert.ok(existsSync(CLI), 'dist/cli.js is missing: run `npm run build` (npm test does it through scripts/setup.sh)');
});

describe('investigate samples/net (four variants, traced for real)', () => {
  let report: Report;
  let stdout = '';
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'gml-cli-test-'));
  before(async () => {
    const json = path.join(tmp, 'report.json');
    const r = await run(['investigate', 'samples/net', '--json', json, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    stdout = r.stdout;
    report = JSON.parse(readFileSync(json, 'utf8'));
    rmSync(tmp, { recursive: true, force: true });
  });

  test('the report follows the published JSON schema', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(path.join(ROOT, 'schema/report.schema.json'), 'utf8')));
    assert.ok(validate(report), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
    assert.deepEqual(report.variants.map((v) => v.name), ['default', 'pure', 'netgo', 'netcgo']);
    assert.equal(report.processes.length, 4);
  });

  test('every variant adds up to what the kernel reported at exit_group (1%) with the same thread count', () => {
    for (const v of report.variants) {
      const p = v.processes[0];
      assert.ok(p.kernel, `${v.name}: no kernel figures captured`);
      assert.ok(within(p.vsizeAtExit, p.kernel.vmSize, 0.01), `${v.name}: model ${p.vsizeAtExit} vs VmSize ${p.kernel.vmSize}`);
      assert.ok(within(p.vsizePeak, p.kernel.vmPeak, 0.01), `${v.name}: peak ${p.vsizePeak} vs VmPeak ${p.kernel.vmPeak}`);
      assert.equal(p.threadsAtExit, p.kernel.threads, `${v.name}: threads`);
      assert.equal(p.measuredAt.what, 'exit_group');
      assert.equal(v.log.unparsedLines, 0, JSON.stringify(v.unparsedLines.slice(0, 3)));
      assert.equal(v.partial, false, v.partialReasons.join('; '));
    }
  });

  test('cgo builds make glibc threads with 8 MiB stacks and malloc arenas; pure Go builds make none', () => {
    const by = Object.fromEntries(report.variants.map((v) => [v.name, v]));
    for (const name of ['default', 'netcgo']) {
      const p = by[name].processes[0];
      const pthreads = p.threads.filter((t) => t.how === 'pthread_create');
      assert.ok(pthreads.length >= 2, `${name}: pthread_create threads ${pthreads.length}`);
      // every glibc thread sits on an 8 MiB MAP_STACK mapping; glibc may hand an exited thread's cached stack
      // to a new one, so count the distinct stacks
      for (const t of pthreads) assert.equal(t.stackBytes, 8 * 1024 * 1024, `thread ${t.tid}`);
      assert.equal(p.categories['thread-stack']?.count, new Set(pthreads.map((t) => t.stackAddress)).size);
      assert.ok((p.categories['malloc-arena']?.count ?? 0) >= 1);
      assert.equal(by[name].run?.linkage, 'dynamic');
      assert.ok(by[name].run?.cgoPackages?.includes('net'));
      assert.ok(p.libraries.some((l) => /libc\.so/.test(l)));
    }
    for (const name of ['pure', 'netgo']) {
      const p = by[name].processes[0];
      assert.equal(p.categories['thread-stack'], undefined, name);
      assert.equal(p.categories['malloc-arena'], undefined, name);
      assert.ok(p.threads.slice(1).every((t) => t.how === 'go-runtime'), `${name}: ${p.threads.map((t) => t.how)}`);
      assert.equal(p.libraries.length, 0);
    }
    assert.equal(by.pure.run?.linkage, 'static');
    assert.deepEqual(by.pure.run?.cgoPackages, []);
    // the cgo builds reserve more: stacks and arenas
    assert.ok(by.default.processes[0].vsizeAtExit > by.pure.processes[0].vsizeAtExit);
  });

  test('the DNS resolver Go chose is reported from GODEBUG=netdns', () => {
    const by = Object.fromEntries(report.variants.map((v) => [v.name, v]));
    assert.match(by.netcgo.run?.dns ?? '', /hostLookupOrder\(localhost\) = cgo/);
    assert.match(by.netgo.run?.dns ?? '', /hostLookupOrder\(localhost\) = files,dns/);
    assert.match(stdout, /DNS resolver/);
    assert.match(stdout, /cgo \(libc getaddrinfo\)/);
  });

  test('the printed table puts the kernel beside the model, and the napkin math is there', () => {
    assert.match(stdout, /VmSize \(kernel\)/);
    assert.match(stdout, /\d+ thread stacks × 8 MiB = \d+ MiB/);
    assert.match(stdout, /\d+ malloc arenas × 64 MiB = \d+ MiB/);
  });
});

describe('analyze and bad input', () => {
  test('analyze a fixture log with the kernel figures beside it', async () => {
    const r = await run(['analyze', 'test/fixtures/logs/cgo-default-go1.19.strace', '--proc', 'test/fixtures/logs/cgo-default-go1.19.proc.json', '--json', '-']);
    assert.equal(r.code, 0, r.stderr);
    const rep: Report = JSON.parse(r.stdout);
    assert.equal(rep.kind, 'analysis');
    assert.equal(rep.processes[0].kernel?.threads, 6);
    assert.equal(rep.processes[0].threadsAtExit, 6);
  });

  test('a missing log is one clear sentence and exit code 2, no stack trace', async () => {
    const r = await run(['analyze', 'no/such.strace']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no such log: no\/such\.strace/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  });

  test('a build error names the file and line and exits 1', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gml-broken-'));
    try {
      writeFileSync(path.join(dir, 'go.mod'), 'module example.com/broken\n\ngo 1.21\n');
      writeFileSync(path.join(dir, 'main.go'), 'package main\n\nfunc main() {\n\tundefinedThing()\n}\n');
      const r = await run(['investigate', dir, '--variants', 'default', '--quiet']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /go build failed for default/);
      assert.match(r.stderr, /main\.go:4:\d+: undefined: undefinedThing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an unknown variant is a usage error', async () => {
    const r = await run(['investigate', 'samples/net', '--variants', 'bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown variant "bogus"/);
  });
});
