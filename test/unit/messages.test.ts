// Messages from the report webview are untrusted: only the exact shapes of the protocol get through.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isPanelState, isWebviewMessage } from '../../src/protocol/messages';

describe('isWebviewMessage', () => {
  it('accepts the protocol', () => {
    assert.ok(isWebviewMessage({ type: 'ready' }));
    assert.ok(isWebviewMessage({ type: 'ready', state: { reportId: 'mi2b3c-0a1b2c3d' } }));
    assert.ok(isWebviewMessage({ type: 'rerun' }));
    assert.ok(isWebviewMessage({ type: 'rerunWith', variants: ['default'], env: { MALLOC_ARENA_MAX: '2' } }));
    assert.ok(isWebviewMessage({ type: 'save', format: 'chrome-trace' }));
    assert.ok(isWebviewMessage({ type: 'copyMarkdown' }));
    assert.ok(isWebviewMessage({ type: 'openLog', variant: 'netcgo', line: 12 }));
    assert.ok(isWebviewMessage({ type: 'openFrame', variant: 'default', line: 12, frame: 0 }));
    // the label of a variant that ran twice
    assert.ok(isWebviewMessage({ type: 'openLog', variant: 'pure #2', line: 1 }));
    assert.ok(isWebviewMessage({ type: 'rerunWith', variants: ['pure', 'pure #2'] }));
    // a measured remedy's column, and a remedy that is a build tag
    assert.ok(isWebviewMessage({ type: 'openLog', variant: 'default + MALLOC_ARENA_MAX=2', line: 3 }));
    assert.ok(isWebviewMessage({ type: 'openLog', variant: 'default + -tags netgo,osusergo', line: 3 }));
    assert.ok(isWebviewMessage({ type: 'rerunWith', variants: ['default'], tags: ['netgo', 'osusergo'] }));
    assert.ok(isWebviewMessage({ type: 'rerunWith', variants: ['default'], env: { CGO_ENABLED: '0' } }));
  });

  it('a re-run adds only the remedies\' build tags, and cgo only off', () => {
    for (const m of [
      { type: 'rerunWith', tags: ['netgo,osusergo'] }, { type: 'rerunWith', tags: ['-toolexec=x'] }, { type: 'rerunWith', tags: 'netgo' },
      { type: 'rerunWith', tags: ['netgo', 'netgo', 'netgo'] }, { type: 'rerunWith', tags: [1] }, { type: 'rerunWith', env: { CGO_ENABLED: '1' } },
      { type: 'openLog', variant: 'default + a/b', line: 1 }, { type: 'openLog', variant: 'default +', line: 1 }, { type: 'openLog', variant: ' + x', line: 1 },
    ]) {
      assert.equal(isWebviewMessage(m), false, JSON.stringify(m));
    }
  });

  it('rejects paths, odd numbers, shell-ish environment and unknown formats', () => {
    for (const m of [
      { type: 'openLog', variant: '/etc/passwd', line: 1 }, { type: 'openLog', variant: '../x', line: 1 }, { type: 'openLog', variant: 'a', line: 0 },
      { type: 'openLog', variant: 'a', line: 1.5 }, { type: 'openLog', variant: 'a', line: '3' }, { type: 'openFrame', variant: 'a', line: 3, frame: -1 },
      { type: 'openFrame', variant: 'a', line: 3, frame: 999 }, { type: 'openFrame', variant: 'a', line: 3 },
      { type: 'rerunWith', env: { 'A B': '1' } }, { type: 'rerunWith', env: { LD_PRELOAD: 1 } }, { type: 'rerunWith', env: [] },
      { type: 'rerunWith', variants: 'default' }, { type: 'rerunWith', variants: [''] }, { type: 'save', format: 'exe' }, { type: 'save' },
      { type: 'copyMarkdown', text: 'x' }, { type: 'openLog', variant: 'pure #', line: 1 }, { type: 'openLog', variant: 'pure #2/..', line: 1 },
      { type: 'openLog', variant: '#2', line: 1 }, { type: 'openLog', variant: 'pure  #2', line: 1 },
    ]) {
      assert.equal(isWebviewMessage(m), false, JSON.stringify(m));
    }
  });

  it('a re-run adds only the variables a suggestion offers, with values of their own syntax', () => {
    for (const env of [
      { MALLOC_ARENA_MAX: '2' }, { MALLOC_ARENA_MAX: '16' }, { GOMAXPROCS: '4' }, { GOGC: '50' }, { GOGC: 'off' },
      { GOMEMLIMIT: '512MiB' }, { GOMEMLIMIT: '1073741824' }, { GODEBUG: 'netdns=go' }, { GODEBUG: 'netdns=cgo+2,madvdontneed=1' },
      { MALLOC_ARENA_MAX: '1', GOMAXPROCS: '2' },
    ]) {
      assert.ok(isWebviewMessage({ type: 'rerunWith', env }), JSON.stringify(env));
    }
    for (const env of [
      { LD_PRELOAD: '/tmp/evil.so' }, { LD_LIBRARY_PATH: '/tmp' }, { GOFLAGS: '-toolexec=/tmp/evil' }, { PATH: '/tmp' }, { CGO_CFLAGS: '-O2' },
      { GOROOT: '/tmp' }, { BASH_ENV: '/tmp/x' }, { malloc_arena_max: '2' }, { MALLOC_ARENA_MAX: '0' }, { MALLOC_ARENA_MAX: '-1' },
      { MALLOC_ARENA_MAX: '2 ' }, { MALLOC_ARENA_MAX: '99999' }, { MALLOC_ARENA_MAX: 2 }, { GOMAXPROCS: '1e3' }, { GOGC: 'on' }, { GOGC: '50%' },
      { GOMEMLIMIT: '512M' }, { GOMEMLIMIT: '-1' }, { GOMEMLIMIT: '1GiB;rm' }, { GODEBUG: 'x' }, { GODEBUG: 'a=$(id)' }, { GODEBUG: 'a=b c' },
      { GODEBUG: 'a=b,' }, { GODEBUG: 'a=/tmp/x' }, { GODEBUG: 'a=b\0' }, { constructor: 'x' }, { toString: '1' },
    ]) {
      assert.equal(isWebviewMessage({ type: 'rerunWith', env }), false, JSON.stringify(env));
    }
    // a JSON message can carry an own "__proto__" key
    assert.equal(isWebviewMessage(JSON.parse('{"type":"rerunWith","env":{"__proto__":"2"}}')), false);
  });

  it('rejects everything else', () => {
    for (const m of [
      null, undefined, 'ready', 42, [], {}, { type: 'Ready' }, { type: 'rerun', extra: 1 }, { type: 'ready', state: null },
      { type: 'ready', state: { reportId: '../../etc/passwd' } }, { type: 'ready', state: { reportId: 'a'.repeat(65) } },
      { type: 'ready', state: { reportId: 7 } }, { type: 'openFile', path: '/etc/shadow' }, { type: { toString: () => 'ready' } },
    ]) {
      assert.equal(isWebviewMessage(m), false, JSON.stringify(m));
    }
  });

  it('panel state ids are plain tokens only', () => {
    assert.ok(isPanelState({ reportId: 'abc_DEF-123' }));
    assert.equal(isPanelState({ reportId: 'a/b' }), false);
    assert.equal(isPanelState({ reportId: '' }), false);
  });
});
