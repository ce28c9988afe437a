// A Go program that replaces itself with another binary (syscall.Exec): the model's figures at exit are the
// new image's, checked against the kernel's own VmSize/VmPeak at exit_group (real go, strace and /bin/true).
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { investigate } from '../../src/core/investigate';
import { makePrivateTempDir, removeTempDir } from '../../src/core/run/build';
import { writeModule } from './helpers/goModule';

const EXECER = `package main

import (
	"os"
	"syscall"
)

func main() {
	err := syscall.Exec("/bin/true", []string{"true"}, os.Environ())
	panic(err)
}
`;

describe('a program that runs another with syscall.Exec (real go and strace)', () => {
  let tmp = '';

  before(async () => {
    tmp = await makePrivateTempDir('gml-exec-test-');
  });

  after(async () => {
    if (tmp) await removeTempDir(tmp);
  });

  it('the figures at exit are /bin/true\'s, as the kernel says (the Go image dropped, the new one classified by what it is)', async () => {
    const pkg = await writeModule(tmp, 'execer', EXECER);
    const { report } = await investigate({ packageDir: pkg, variants: [{ name: 'pure', env: { CGO_ENABLED: '0' } }], timeoutMs: 60_000 });
    const v = report.variants[0];
    const p = v.processes[0];
    assert.ok(p.kernel, 'the kernel view at exit_group was taken');
    assert.equal(p.exe, '/bin/true');
    assert.equal(p.isGo, false);
    assert.equal(p.categories['go-runtime'], undefined, 'nothing of /bin/true is Go runtime memory');
    assert.equal(p.categories['go-heap'], undefined);
    const off = (p.vsizeAtExit - p.kernel!.vmSize) / p.kernel!.vmSize;
    // the unseen stack and vDSO are estimated: a few pages either way
    assert.ok(Math.abs(off) < 0.05, `model ${p.vsizeAtExit} vs kernel VmSize ${p.kernel!.vmSize} (${(off * 100).toFixed(1)}%)`);
    assert.ok(v.log.warnings.some((w) => w.includes('replaced itself with /bin/true')), v.log.warnings.join('\n'));
  });
});
