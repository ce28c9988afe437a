// The Markdown export as a whole document, against a reviewed golden file: what a user pastes into a
// GitHub issue. GML_UPDATE_GOLDEN=1 rewrites the golden file (review the diff like code).
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { renderMarkdown } from '../../src/core/report/exports';
import { fourVariantReport } from './helpers/fourVariants';

const GOLDEN = path.join(__dirname, 'golden');

function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.GML_UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from the golden file (GML_UPDATE_GOLDEN=1 rewrites it)`);
}

describe('Markdown export', () => {
  it('a four-variant report with a run killed at the timeout: title, verdict, table, breakdown', async () => {
    const md = renderMarkdown(await fourVariantReport()) + '\n';
    golden('net-four-variants.md', md);
  });

  it('is a document: a title with the package and Go version, the verdict before the table, no bold marks in it', async () => {
    const md = renderMarkdown(await fourVariantReport());
    const lines = md.split('\n');
    assert.equal(lines[0], '# Go Memory Lens: net');
    // the package's folder name, not where it sits on this machine
    const abs = renderMarkdown({ ...(await fourVariantReport()), package: '/home/someone/src/tool/cmd/server' });
    assert.equal(abs.split('\n')[0], '# Go Memory Lens: server');
    assert.match(lines[2], /^go1\.23\.4 · 4 variants · traced 2026-01-02$/);
    const verdictAt = lines.findIndex((l) => l.startsWith('**Verdict:**'));
    const tableAt = lines.findIndex((l) => l.startsWith('| '));
    assert.ok(verdictAt > 0 && verdictAt < tableAt, 'the verdict comes before the table');
    assert.match(lines[verdictAt], /netcgo \(killed at the timeout\) is left out: its figures are those of a run that did not finish\.$/);
    assert.ok(lines.some((l) => l.startsWith('- ⚠ netcgo did not finish: the program did not exit within 30 s')));
    const table = lines.filter((l) => l.startsWith('| ') && !l.startsWith('| category') && lines.indexOf(l) < lines.indexOf('## Where the virtual size goes'));
    assert.doesNotMatch(table.join('\n'), /\*\*/);
    for (const v of ['default', 'pure', 'netgo', 'netcgo']) assert.ok(lines.some((l) => new RegExp(`^### ${v}: \\d+\\.\\d MiB virtual; the kernel says \\d+\\.\\d MiB, \\d+\\.\\d MiB resident$`).test(l)), v);
  });
});
