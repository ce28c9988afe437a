// The light Go scan behind the code lens when no language server answers.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { blankCommentsAndStrings, isCandidateFile, scanGoFile, readsStdin } from '../../src/core/goSource';

describe('scanGoFile', () => {
  it('finds func main in every bundled sample', () => {
    for (const s of ['cgo', 'native', 'net']) {
      const file = path.join(__dirname, '..', '..', 'samples', s, 'main.go');
      const text = readFileSync(file, 'utf8');
      const facts = scanGoFile(text);
      assert.equal(facts.packageName, 'main', s);
      assert.equal(facts.mains.length, 1, s);
      assert.match(text.split('\n')[facts.mains[0].line], /^func main\(\)/, s);
    }
  });

  it('ignores func main in comments, raw strings and strings, and methods or funcs with parameters', () => {
    const text = [
      '// Package doc',
      '/* package other',
      'func main() {} */',
      'package main',
      '',
      'var s = `',
      'func main() {',
      '`',
      'var q = "func main() {}"',
      'func (t T) main() {}',
      'func main2() {}',
      'func mainly() {}',
      'func main(x int) {}',
      'func main() {',
      '}',
    ].join('\n');
    const facts = scanGoFile(text);
    assert.equal(facts.packageName, 'main');
    assert.deepEqual(facts.mains, [{ line: 13, character: 0 }]);
  });

  it('reads the package clause after comments and build constraints', () => {
    assert.equal(scanGoFile('//go:build linux\n\n// doc\npackage   tools // trailing\n').packageName, 'tools');
    assert.equal(scanGoFile('').packageName, undefined);
  });

  it('blanking keeps every offset, so positions map back to the source', () => {
    const text = 'a := "x\\"y" // c\nb := \'\\n\' /* d\ne */ f';
    const clean = blankCommentsAndStrings(text);
    assert.equal(clean.length, text.length);
    assert.deepEqual([...clean].map((c, i) => (c === '\n' ? i : -1)).filter((i) => i >= 0), [...text].map((c, i) => (c === '\n' ? i : -1)).filter((i) => i >= 0));
    assert.equal(clean.replace(/\s+/g, ' ').trim(), 'a := b := f');
  });

  it('an unterminated string or comment blanks to the end without throwing', () => {
    assert.equal(blankCommentsAndStrings('x /* never closed\nfunc main() {}').trim(), 'x');
    assert.equal(scanGoFile('package main\nvar s = `\nfunc main() {}').mains.length, 0);
  });
});

describe('isCandidateFile', () => {
  it('takes package main files, never tests or other packages', () => {
    const main = scanGoFile('package main\nfunc main() {}\n');
    assert.equal(isCandidateFile('/w/cmd/main.go', main), true);
    assert.equal(isCandidateFile('/w/cmd/main_test.go', main), false);
    assert.equal(isCandidateFile('/w/lib/lib.go', scanGoFile('package lib\nfunc main() {}\n')), false);
  });
});

describe('readsStdin', () => {
  it('sees os.Stdin and fmt.Scan in code, not in comments or strings', () => {
    assert.ok(readsStdin('package main\nimport ("bufio"; "os")\nfunc main() { r := bufio.NewReader(os.Stdin); _ = r }\n'));
    assert.ok(readsStdin('package main\nimport "fmt"\nfunc main() { var s string; fmt.Scanln(&s) }\n'));
    assert.equal(readsStdin('package main\n// reads os.Stdin one day\nfunc main() { println("fmt.Scan(") }\n'), false);
    assert.equal(readsStdin('package main\nimport "os"\nfunc main() { os.Stdout.WriteString("x") }\n'), false);
  });
});
