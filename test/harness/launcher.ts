// A stand-in "VS Code executable" for @vscode/test-electron's runTests({ vscodeExecutablePath }): it takes
// the command line runTests builds (--extensionDevelopmentPath=…, --extensionTestsPath=…, a folder), runs
// the tests in code-server's real extension host through headless Chromium, and exits with their code.
// Where VS Code desktop exists, the same runTests call goes to it instead (see integration.ts).
import { mkdtempSync } from 'node:fs';
import * as path from 'node:path';
import { REPO, goCacheEnv, runDirs, runExtensionTests, startServer } from './codeServer';

async function main(): Promise<number> {
  let dev = '';
  let tests = '';
  let folder = '';
  for (const a of process.argv.slice(2)) {
    if (a.startsWith('--extensionDevelopmentPath=')) dev ||= a.slice(a.indexOf('=') + 1);
    else if (a.startsWith('--extensionTestsPath=')) tests = a.slice(a.indexOf('=') + 1);
    else if (a.startsWith('--')) continue; // --no-sandbox, --disable-updates, --user-data-dir…: desktop-only
    else if (!folder) folder = a;
  }
  if (!dev || !tests) {
    console.error('launcher: needs --extensionDevelopmentPath= and --extensionTestsPath=');
    return 2;
  }
  const base = process.env.GML_RUN_DIR ?? path.join(REPO, '.vscode-test', 'runs');
  const dirs = runDirs(mkdtempSync(path.join(base, 'integration-')));
  // GML_UNTRUSTED=1: workspace trust stays on, so the folder opens in Restricted Mode
  const server = await startServer(dirs, { env: await goCacheEnv(), trust: process.env.GML_UNTRUSTED !== '1' });
  try {
    return await runExtensionTests({
      server, dirs, folder: folder || dirs.root, extensionDevelopmentPath: dev, extensionTestsPath: tests,
      timeoutMs: Number(process.env.GML_TEST_TIMEOUT_S ?? 900) * 1000,
      screenshot: path.join(REPO, 'test-results', 'integration-last.png'),
    });
  } finally {
    await server.stop();
  }
}

main().then((code) => process.exit(code), (err) => { console.error(err); process.exit(1); });
