// Bundles the CLI, the extension, the strace language server and the report webview with esbuild. Type checking is separate
// (`npm run typecheck`), as in the VS Code samples. `--production` minifies, `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  external: ['vscode', 'node-pty'],
  logLevel: 'warning',
};
const entries = [
  { ...node, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' },
  // the strace language server: its own process (stdio or node-ipc), so big logs never block the extension host
  { ...node, entryPoints: ['src/server/server.ts'], outfile: 'dist/server.js' },
  // the log reader's worker thread (readLog parses a big log there while the caller builds its model)
  { ...node, entryPoints: ['src/core/strace/logWorker.ts'], outfile: 'dist/logWorker.js' },
  // the webview runs in a browser frame: no Node, no vscode module, one self-contained script
  { bundle: true, platform: 'browser', target: 'chrome120', format: 'iife', sourcemap: !production, minify: production, logLevel: 'warning', entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js' },
];
if (existsSync('test/integration')) {
  // mocha suites that run inside the extension host (extensionTestsPath); mocha and vscode come from the host side
  entries.push({ ...node, entryPoints: ['test/integration/*.ts'], outdir: 'out/integration', external: ['vscode', 'node-pty', 'mocha'] });
}
// uPlot's stylesheet ships beside the webview bundle (the panel links it, the standalone HTML inlines it)
mkdirSync('dist', { recursive: true });
copyFileSync('node_modules/uplot/dist/uPlot.min.css', 'dist/uplot.css');
const contexts = await Promise.all(entries.map((e) => esbuild.context(e)));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
