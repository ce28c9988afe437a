// extensionTestsPath entry: the extension host calls run() once the extension under test is loaded.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, reporter: 'spec', timeout: 120_000 });
  // the window runs either trusted (every suite but the untrusted one) or in Restricted Mode (only that one)
  const untrusted = process.env.GML_UNTRUSTED === '1';
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (f.endsWith('.test.js') && f.endsWith('.untrusted.test.js') === untrusted) mocha.addFile(path.join(__dirname, f));
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
