// The variants setting as users write it, good and bad.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DEFAULT_VARIANTS } from '../../src/core/run/build';
import { parseVariants } from '../../src/core/run/variants';

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
    assert.deepEqual(variants, [{ name: 'ok', tags: ['good'] }]);
    assert.equal(problems.length, 5);
    assert.match(problems[0], /variant 1: name "\.\.\/escape"/);
    assert.match(problems[3], /variant 5: name "ok" is used twice/);
  });

  it('a non-list falls back to the defaults with a problem', () => {
    const r = parseVariants({ name: 'default' });
    assert.equal(r.variants, DEFAULT_VARIANTS);
    assert.match(r.problems[0], /must be a list/);
  });
});
