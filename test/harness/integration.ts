// `npm run test:integration`: the mocha suites in test/integration run inside a real VS Code extension host,
// through @vscode/test-electron's runTests. VS Code desktop cannot be downloaded on these machines, so the
// executable is a launcher that runs the tests in code-server; set GML_VSCODE_EXECUTABLE to a VS Code
// desktop binary to run the same tests there, unchanged.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { REPO, checkInstalled, lap } from './codeServer';
import { makeWorkspace } from './workspace';

async function main(): Promise<number> {
  const t0 = Date.now();
  const desktop = process.env.GML_VSCODE_EXECUTABLE;
  if (!desktop) checkInstalled();
  if (!process.argv.includes('--no-build')) execFileSync(process.execPath, [path.join(REPO, 'scripts', 'build.mjs')], { cwd: REPO, stdio: 'inherit' });
  const runs = path.join(REPO, '.vscode-test', 'runs');
  rmSync(runs, { recursive: true, force: true });
  mkdirSync(runs, { recursive: true });
  mkdirSync(path.join(REPO, 'test-results'), { recursive: true });
  const ws = makeWorkspace(path.join(runs, 'workspace'));
  lap(t0, `workspace ${path.relative(REPO, ws)}; VS Code: ${desktop ?? 'code-server (launcher)'}`);
  const suite = async (untrusted: boolean) => runTests({
    vscodeExecutablePath: desktop ?? path.join(REPO, 'test', 'harness', 'code-launcher.sh'),
    extensionDevelopmentPath: REPO,
    extensionTestsPath: path.join(REPO, 'out', 'integration', 'index.js'),
    launchArgs: [ws, '--disable-extensions', ...(untrusted ? [] : ['--disable-workspace-trust'])],
    extensionTestsEnv: { GML_INTEGRATION: '1', GML_RUN_DIR: runs, GML_UNTRUSTED: untrusted ? '1' : '' },
  });
  try {
    await suite(false);
    lap(t0, 'integration tests passed (trusted workspace)');
    await suite(true);
    lap(t0, 'integration tests passed (Restricted Mode)');
    return 0;
  } catch (err) {
    lap(t0, `integration tests failed: ${(err as Error).message}`);
    return 1;
  }
}

main().then((code) => process.exit(code));
