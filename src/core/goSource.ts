// A light reading of a Go file, for when no language server has answered: is it `package main`, and where
// is `func main()`? Comments and string literals are skipped so a `func main()` inside them does not count.

export interface GoPosition {
  /** 0-based line */
  line: number;
  /** 0-based column of `func` */
  character: number;
}

export interface GoFileFacts {
  packageName?: string;
  mains: GoPosition[];
}

/** Replaces comments and string/rune literals with spaces, keeping every line break and column. */
export function blankCommentsAndStrings(text: string): string {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  while (i < n) {
    const c = text[i];
    const d = text[i + 1];
    let end = -1;
    if (c === '/' && d === '/') {
      end = text.indexOf('\n', i);
      if (end < 0) end = n;
    } else if (c === '/' && d === '*') {
      end = text.indexOf('*/', i + 2);
      end = end < 0 ? n : end + 2;
    } else if (c === '`') {
      end = text.indexOf('`', i + 1);
      end = end < 0 ? n : end + 1;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      end = Math.min(n, j + 1);
    }
    if (end >= 0) {
      out.push(blank(text.slice(i, end)));
      i = end;
    } else {
      const next = nextSpecial(text, i + 1);
      out.push(text.slice(i, next));
      i = next;
    }
  }
  return out.join('');
}

function nextSpecial(text: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    const c = text.charCodeAt(j);
    // / ` " '
    if (c === 47 || c === 96 || c === 34 || c === 39) return j;
  }
  return text.length;
}

/** The package clause and every top-level `func main()` (no receiver, no parameters, no type parameters). */
export function scanGoFile(text: string): GoFileFacts {
  const clean = blankCommentsAndStrings(text);
  const pkg = /^\s*package\s+([A-Za-z_][A-Za-z0-9_]*)/m.exec(clean);
  const mains: GoPosition[] = [];
  const lines = clean.split('\n');
  for (let i = 0; i < lines.length; i++) {
    // top level: gofmt puts it in column 0; a `func main` nested in a block would be a syntax error anyway
    if (/^func\s+main\s*\(\s*\)/.test(lines[i])) mains.push({ line: i, character: 0 });
  }
  return { packageName: pkg?.[1], mains };
}

/** Files that never get a lens: tests, and anything outside package main. */
export function isCandidateFile(fileName: string, facts: GoFileFacts): boolean {
  return !/_test\.go$/.test(fileName) && facts.packageName === 'main';
}

/**
 * Whether the file's code reads standard input (os.Stdin, fmt.Scan…): such a program waits for the user, so
 * its variants are traced one at a time, each in the terminal that says it wants input.
 */
export function readsStdin(text: string): boolean {
  return /\bos\.Stdin\b|\bfmt\.Scan(?:f|ln)?\s*\(/.test(blankCommentsAndStrings(text));
}
