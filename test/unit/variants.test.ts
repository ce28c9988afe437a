// The variants setting as users write it, good and bad.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DEFAULT_VARIANTS } from '../../src/core/run/build';
import { labelRuns, parseVariants } from '../../src/core/run/variants';

describe('parseVariants', () => {
  it('no setting: the four defaults, silently', () => {
    assert.deepEqual(parseVariants(undefined), { variants: DEFAULT_VARIANTS, problems: [] });
  });

  it('takes the documented shape and normalises tags given as one string', () => {
    const { variants, problems } = parseVariants([
      { name: 'default' },
      { name: 'arena2', env: { MALLOC_ARENA_MAX: 2, CGO_ENABLED: '1' }, tags: 'netcgo, osusergo', ldflags: '-s -w', goBinary: '/usr/lib/go-1.19/bin/go' },
    ]);
    assert.deepEqual(problems, []);
    assert.deepEqual(variants, [
      { name: 'default' },
      { name: 'arena2', env: { MALLOC_ARENA_MAX: '2', CGO_ENABLED: '1' }, tags: ['netcgo', 'osusergo'], ldflags: '-s -w', goBinary: '/usr/lib/go-1.19/bin/go' },
    ]);
  });

  it('drops entries it cannot use and says why, keeping the rest', () => {
    const { variants, problems } = parseVariants([
      { name: '../escape' }, { name: '' }, 'pure', { name: 'ok', tags: ['good', 'bad tag;rm'] }, { name: 'ok' }, { name: 'x'.repeat(33) },
    ]);
    // a name used twice is kept: it runs twice, labelled by labelRuns
    assert.deepEqual(variants, [{ name: 'ok', tags: ['good'] }, { name: 'ok' }]);
    assert.equal(problems.length, 4);
    assert.match(problems[0], /variant 1: name "\.\.\/escape"/);
    assert.match(problems[3], /variant 6: name "x{33}"/);
  });

  it('ldflags longer than a command line can carry are refused with a sentence', () => {
    const { variants, problems } = parseVariants([{ name: 'big', ldflags: '-X main.v=' + 'a'.repeat(200 * 1024) }, { name: 'small', ldflags: '-s -w' }]);
    assert.deepEqual(variants, [{ name: 'small', ldflags: '-s -w' }]);
    assert.match(problems[0], /variant 1 \(big\): ldflags are 204810 characters, more than the 32768/);
  });
});

describe('labelRuns', () => {
  it('a variant named twice or three times runs under its own label and file stem each time', () => {
    const runs = labelRuns([{ name: 'pure', env: { CGO_ENABLED: '0' } }, { name: 'pure', env: { CGO_ENABLED: '0' } }, { name: 'default' }, { name: 'pure', env: { CGO_ENABLED: '0' } }]);
    assert.deepEqual(runs.map((r) => r.variant.name), ['pure', 'pure #2', 'default', 'pure #3']);
    assert.deepEqual(runs.map((r) => r.stem), ['pure', 'pure_2', 'default', 'pure_3']);
    assert.deepEqual(runs[1].variant.env, { CGO_ENABLED: '0' });
  });

  it('labels and file stems stay unique when a real name looks like a label', () => {
    const runs = labelRuns([{ name: 'pure_2' }, { name: 'pure' }, { name: 'pure' }, { name: 'pure_2' }]);
    const stems = runs.map((r) => r.stem);
    assert.equal(new Set(stems).size, 4, stems.join(' '));
    assert.equal(new Set(runs.map((r) => r.variant.name)).size, 4);
    assert.deepEqual(runs.map((r) => r.variant.name), ['pure_2', 'pure', 'pure #3', 'pure_2 #2']);
  });

  it('distinct names keep their variants as they are', () => {
    const runs = labelRuns(DEFAULT_VARIANTS);
    runs.forEach((r, i) => assert.equal(r.variant, DEFAULT_VARIANTS[i]));
  });

  it('a non-list falls back to the defaults with a problem', () => {
    const r = parseVariants({ name: 'default' });
    assert.equal(r.variants, DEFAULT_VARIANTS);
    assert.match(r.problems[0], /must be a list/);
  });
});
