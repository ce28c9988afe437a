// Messages from the report webview are untrusted: only the exact shapes of the protocol get through.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isPanelState, isWebviewMessage } from '../../src/protocol/messages';

describe('isWebviewMessage', () => {
  it('accepts the protocol', () => {
    assert.ok(isWebviewMessage({ type: 'ready' }));
    assert.ok(isWebviewMessage({ type: 'ready', state: { reportId: 'mi2b3c-0a1b2c3d' } }));
    assert.ok(isWebviewMessage({ type: 'rerun' }));
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
