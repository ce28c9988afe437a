// package.json's contributions hold together: the walkthrough's steps, media and command links, the Reports
// view and its menus, and the settings the host reads.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const c = pkg.contributes;
const commands = new Set<string>(c.commands.map((x: { command: string }) => x.command));

/** `command:goMemoryLens.x` links in a text, with VS Code's own commands left aside */
function commandLinks(text: string): string[] {
  return [...text.matchAll(/\(command:([A-Za-z0-9_.]+)/g)].map((m) => m[1]);
}

describe('contributions', () => {
  it('the walkthrough: unique ids, markdown media that exist and ship, links to commands that exist', () => {
    assert.equal(c.walkthroughs.length, 1);
    const w = c.walkthroughs[0];
    assert.match(w.id, /^goMemoryLens\.[a-z]+$/);
    assert.ok(w.title && w.description);
    const ids = w.steps.map((s: { id: string }) => s.id);
    assert.deepEqual(ids, [...new Set(ids)], 'step ids are unique');
    assert.ok(w.steps.length >= 4);
    const shipped = readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8');
    for (const s of w.steps) {
      assert.ok(s.title && s.description, s.id);
      const media = s.media.markdown as string;
      assert.ok(media.startsWith('media/walkthrough/') && media.endsWith('.md'), media);
      const text = readFileSync(path.join(ROOT, media), 'utf8');
      assert.match(text, /^# /, `${media} starts with a heading`);
      assert.ok(shipped.includes('!media/**'), 'media ships in the .vsix');
      for (const cmd of commandLinks(s.description)) {
        if (cmd.startsWith('goMemoryLens.')) assert.ok(commands.has(cmd), `${s.id} links to ${cmd}, which is not contributed`);
      }
      for (const ev of s.completionEvents ?? []) assert.ok(commands.has(ev.replace(/^onCommand:/, '')), ev);
    }
    // the sample the walkthrough opens ships with the extension
    assert.ok(existsSync(path.join(ROOT, 'samples', 'net', 'main.go')) && shipped.includes('!samples/net/**'));
    // the Reports view's welcome links to the walkthrough by its full id
    const welcome = c.viewsWelcome.find((v: { view: string }) => v.view === 'goMemoryLens.reports').contents as string;
    assert.ok(welcome.includes(`(command:workbench.action.openWalkthrough?%22${pkg.publisher}.${pkg.name}%23${w.id}%22)`), welcome);
  });

  it('the Reports view: its container icon exists, and every menu entry names a contributed command', () => {
    const container = c.viewsContainers.activitybar[0];
    assert.ok(existsSync(path.join(ROOT, container.icon)), container.icon);
    assert.deepEqual(c.views[container.id].map((v: { id: string }) => v.id), ['goMemoryLens.reports']);
    for (const [menu, entries] of Object.entries(c.menus) as Array<[string, Array<{ command: string }>]>) {
      for (const e of entries) assert.ok(commands.has(e.command), `${menu}: ${e.command}`);
    }
  });

  it('the new settings: reportPanel new or reuse (new by default), a history cap in MiB', () => {
    const p = c.configuration.properties;
    assert.deepEqual(p['goMemoryLens.reportPanel'].enum, ['new', 'reuse']);
    assert.equal(p['goMemoryLens.reportPanel'].default, 'new');
    assert.equal(p['goMemoryLens.history.maxMegabytes'].type, 'number');
    assert.ok(p['goMemoryLens.history.maxMegabytes'].default >= p['goMemoryLens.history.maxMegabytes'].minimum);
  });
});
