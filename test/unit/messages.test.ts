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
  });

  it('rejects paths, odd numbers, shell-ish environment and unknown formats', () => {
    for (const m of [
      { type: 'openLog', variant: '/etc/passwd', line: 1 }, { type: 'openLog', variant: '../x', line: 1 }, { type: 'openLog', variant: 'a', line: 0 },
      { type: 'openLog', variant: 'a', line: 1.5 }, { type: 'openLog', variant: 'a', line: '3' }, { type: 'openFrame', variant: 'a', line: 3, frame: -1 },
      { type: 'openFrame', variant: 'a', line: 3, frame: 999 }, { type: 'openFrame', variant: 'a', line: 3 },
      { type: 'rerunWith', env: { 'A B': '1' } }, { type: 'rerunWith', env: { LD_PRELOAD: 1 } }, { type: 'rerunWith', env: [] },
      { type: 'rerunWith', variants: 'default' }, { type: 'rerunWith', variants: [''] }, { type: 'save', format: 'exe' }, { type: 'save' },
      { type: 'copyMarkdown', text: 'x' },
    ]) {
      assert.equal(isWebviewMessage(m), false, JSON.stringify(m));
    }
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
