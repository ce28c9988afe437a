// The strace language server's outline and capture advice on logs it meets: a capture without -f, and the
// logs Go Memory Lens keeps with its reports.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { diagnostics, documentSymbols } from '../../src/server/features';
import { LogIndex, StringLines } from '../../src/server/logIndex';

const LOGS = path.join(__dirname, '..', 'fixtures', 'logs');

async function index(text: string) {
  const lines = new StringLines(text);
  return { ix: await LogIndex.build(text, lines), lines };
}

/** the main thread's calls of a -f capture, without the pid column: what strace without -f writes */
function withoutF(name: string): string {
  const text = readFileSync(path.join(LOGS, name), 'latin1');
  const main = /^(\d+) /.exec(text)![1];
  return text.split('\n').filter((l) => l.startsWith(`${main} `)).map((l) => l.slice(main.length + 1)).join('\n') + '\n';
}

describe('documentSymbols without -f', () => {
  it('names the process and thread by the log\'s own getpid/gettid, never "process 0"', async () => {
    const { ix, lines } = await index(withoutF('cgo-default-go1.23.plain.strace'));
    const [p] = documentSymbols(ix, lines);
    assert.equal(p.name, 'process 31843 (no -f) cgo-default-go1.23');
    assert.deepEqual(p.children!.map((c) => c.name), ['thread 31843 (no -f)']);
  });

  it('says "no -f" when the log never asks for its pid', async () => {
    const text = withoutF('cgo-default-go1.23.plain.strace').split('\n').filter((l) => !/^get(pid|tid)\(/.test(l)).join('\n');
    const { ix, lines } = await index(text);
    const [p] = documentSymbols(ix, lines);
    assert.equal(p.name, 'process (no -f) cgo-default-go1.23');
    assert.deepEqual(p.children!.map((c) => c.name), ['thread (no -f)']);
  });
});

describe('capture advice', () => {
  it('-s 4096 for a log captured elsewhere; nothing for a log Go Memory Lens wrote itself', async () => {
    const text = readFileSync(path.join(LOGS, 'cgo-default-go1.23.strace'), 'latin1');
    const theirs = await index(text);
    assert.ok(diagnostics(theirs.ix, theirs.lines).some((d) => d.code === 'truncated-strings'));
    // what the product's run looks like: the binary runs from its private build folder
    // (folders carry the owner's pid since runs clean up after killed ones: go-memory-lens-PID-XXXXXX)
    for (const folder of ['go-memory-lens-Ab12Cd', 'go-memory-lens-4242-Ab12Cd']) {
      const ours = await index(text.replace(/execve\("\.\/cgo-default-go1\.23", \["\.\/cgo-default-go1\.23"\]/, `execve("/tmp/${folder}/cgo-default", ["/tmp/${folder}/cgo-default"]`));
      const d = diagnostics(ours.ix, ours.lines);
      assert.equal(d.find((x) => x.code === 'truncated-strings'), undefined, `${folder}: ${JSON.stringify(d.map((x) => x.code))}`);
      assert.ok(!d.some((x) => x.severity === 1), 'still a clean log otherwise');
    }
  });
});
