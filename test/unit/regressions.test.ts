// Inputs found by the property tests (test/unit/properties.test.ts) that broke a property, kept as plain
// examples so that each stays fixed whatever the generators draw.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { TraceEvent } from '../../src/core/strace/events';
import { StraceParser, type EntryEvent } from '../../src/core/strace/parser';

function parse(text: string): { events: Array<TraceEvent | EntryEvent>; parser: StraceParser } {
  const events: Array<TraceEvent | EntryEvent> = [];
  const parser = new StraceParser({ onEvent: (e) => events.push(e) });
  parser.write(text);
  parser.end();
  return { events, parser };
}

describe('regressions found by the property tests', () => {
  it('a call line cut off (an unclosed quote) then a -k frame: unparsed lines stay in line order', () => {
    const { parser } = parse('31168 09:22:01.813630 execve("./cgo-default-g, ["./cgo"], 0x7ffc /* 42 vars */) = 0 <0.013409>\n'
      + ' > (/home/gopher/demo/cgo(runtime.newm1+0x85) [0x3a785]\n');
    assert.deepEqual(parser.unparsed.map((u) => [u.line, u.reason]), [
      [1, 'call cut off (its line never ended)'],
      [2, 'stack frame without a preceding call or signal'],
    ]);
  });
});
