// A real VS Code for the tests: the VS Code server inside the npm package code-server (installed by
// scripts/setup-vscode.sh into .vscode-test/), shown in Debian's Chromium through playwright-core.
// Everything a run writes (user data, extensions, XDG folders, the browser profile) stays in its run folder,
// and its TMPDIR is a short folder under the system temp root, removed at the end;
// the server runs in its own process group and is stopped with the group.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, promises as fsp, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import { format, promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const REPO = path.resolve(__dirname, '..', '..');
export const CODE_SERVER_VERSION = process.env.GML_CODE_SERVER_VERSION ?? '4.100.3';
export const CODE_SERVER = path.join(REPO, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server');
const SERVER_MAIN = path.join(CODE_SERVER, 'lib', 'vscode', 'out', 'server-main.js');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const run = promisify(execFile);
/** Workbench chatter that says nothing about the extension under test (no marketplace offline, sockets…). */
const NOISE = /open-vsx\.org|Creating a socket|Updating additional builtin|ChatSessionStore|\[Service Worker\]|workbench\.js:\d+/;

export function checkInstalled(): void {
  const missing = [
    existsSync(SERVER_MAIN) ? '' : `code-server ${CODE_SERVER_VERSION} (${path.relative(REPO, SERVER_MAIN)})`,
    existsSync(CHROMIUM) ? '' : `Chromium (${CHROMIUM})`,
  ].filter(Boolean);
  if (missing.length) {
    throw new Error(`missing ${missing.join(' and ')}: run \`bash scripts/setup-vscode.sh\` (npm test does it for you)`);
  }
}

export function lap(t0: number, msg: string): void {
  console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);
}

/** Folders of one run, inside `dir` except the temp folder (removed when the server stops). */
export function runDirs(dir: string) {
  const d = {
    root: dir,
    userData: path.join(dir, 'user-data'),
    serverData: path.join(dir, 'server-data'),
    extensions: path.join(dir, 'extensions'),
    xdgConfig: path.join(dir, 'xdg-config'),
    xdgData: path.join(dir, 'xdg-data'),
    xdgCache: path.join(dir, 'xdg-cache'),
    // short on purpose: VS Code puts its IPC sockets here, and a socket path may not exceed 107 bytes
    tmp: mkdtempSync(path.join(os.tmpdir(), 'gml-')),
  };
  for (const p of Object.values(d)) mkdirSync(p, { recursive: true });
  return d;
}

export function isolatedEnv(dirs: ReturnType<typeof runDirs>, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
    TMPDIR: dirs.tmp,
    ...extra,
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Server {
  url: string;
  host: string;
  pid: number;
  log: string;
  stop(): Promise<void>;
}

/**
 * Starts lib/vscode/out/server-main.js directly: code-server's own CLI rejects --enable-smoke-test-driver,
 * which the workbench needs to honour extensionDevelopmentPath/extensionTestsPath in its URL payload.
 */
export async function startServer(dirs: ReturnType<typeof runDirs>, opts: { env?: Record<string, string>; trust?: boolean } = {}): Promise<Server> {
  checkInstalled();
  const port = await freePort();
  const log = path.join(dirs.root, 'vscode-server.log');
  const out = openSync(log, 'a');
  const args = [
    SERVER_MAIN, '--host', '127.0.0.1', '--port', String(port), '--without-connection-token',
    '--accept-server-license-terms', '--enable-smoke-test-driver', '--disable-telemetry',
    '--user-data-dir', dirs.userData, '--server-data-dir', dirs.serverData, '--extensions-dir', dirs.extensions,
    ...(opts.trust === false ? [] : ['--disable-workspace-trust']),
  ];
  const child: ChildProcess = spawn(process.execPath, args, { env: isolatedEnv(dirs, opts.env), detached: true, stdio: ['ignore', out, out] });
  const pid = child.pid!;
  child.unref();
  const stop = async () => {
    await stopGroup(pid);
    rmSync(dirs.tmp, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the VS Code server exited (${child.exitCode}); see ${log}:\n${await fsp.readFile(log, 'utf8')}`);
    try {
      const res = await fetch(`${url}/version`);
      if (res.ok || res.status === 404) return { url, host: `127.0.0.1:${port}`, pid, log, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`the VS Code server did not answer on ${url} within 60 s; see ${log}`);
}

/** TERM to the group (server, extension host, pty host, watchers), then KILL whatever is left. */
export async function stopGroup(pgid: number): Promise<void> {
  const alive = () => { try { process.kill(-pgid, 0); return true; } catch { return false; } };
  try { process.kill(-pgid, 'SIGTERM'); } catch { return; }
  for (let i = 0; i < 40 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export async function launchBrowser(dirs: ReturnType<typeof runDirs>, viewport = { width: 1680, height: 1000 }): Promise<{ ctx: BrowserContext; page: Page; close(): Promise<void> }> {
  const profile = path.join(dirs.root, 'chromium-profile');
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    env: { ...process.env, XDG_CONFIG_HOME: path.join(profile, 'xdg-config'), XDG_CACHE_HOME: path.join(profile, 'xdg-cache'), TMPDIR: dirs.tmp },
    viewport,
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  return { ctx, page, close: () => ctx.close() };
}

/**
 * Runs mocha suites inside the real extension host: the workbench opens with a payload naming the
 * extension under development and the tests, and calls window.codeAutomationExit(code) when they finish.
 */
export async function runExtensionTests(opts: {
  server: Server;
  dirs: ReturnType<typeof runDirs>;
  folder: string;
  extensionDevelopmentPath: string;
  extensionTestsPath: string;
  timeoutMs: number;
  screenshot?: string;
}): Promise<number> {
  const remote = (p: string) => `vscode-remote://${opts.server.host}${path.resolve(p)}`;
  const payload = [
    ['extensionDevelopmentPath', remote(opts.extensionDevelopmentPath)],
    ['extensionTestsPath', remote(opts.extensionTestsPath)],
    ['skipWelcome', 'true'],
  ];
  const browser = await launchBrowser(opts.dirs);
  try {
    const done = new Promise<number>((resolve) => {
      void browser.page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
        // mocha's spec reporter logs printf-style ("%s (%dms)", …), as does VS Code's own test runner
        const text = format(...(args ?? []));
        if (text.trim() && !NOISE.test(text)) console.log(type === 'error' ? `[exthost error] ${text}` : text);
      });
      void browser.page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    await browser.page.goto(`${opts.server.url}/?folder=${encodeURIComponent(opts.folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<number>((resolve) => { timer = setTimeout(() => { console.log(`extension tests did not finish within ${opts.timeoutMs / 1000} s`); resolve(124); }, opts.timeoutMs); });
    const code = await Promise.race([done, timeout]);
    clearTimeout(timer);
    if (opts.screenshot) await browser.page.screenshot({ path: opts.screenshot }).catch(() => {});
    return code;
  } finally {
    await browser.close();
  }
}

/** code-server's own CLI installs a .vsix into the run's extensions folder (offline for a local file). */
export async function installVsix(dirs: ReturnType<typeof runDirs>, vsix: string): Promise<void> {
  const config = path.join(dirs.root, 'config.yaml');
  await fsp.writeFile(config, 'auth: none\ncert: false\n');
  await run(process.execPath, [path.join(CODE_SERVER, 'out', 'node', 'entry.js'), '--config', config,
    '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--install-extension', vsix, '--force'],
  { env: isolatedEnv(dirs), timeout: 120_000 });
}

/** The Go build cache the machine already has, so builds inside the isolated run stay warm. */
export async function goCacheEnv(): Promise<Record<string, string>> {
  for (const go of ['/usr/lib/go-1.23/bin/go', 'go']) {
    try {
      const { stdout } = await run(go, ['env', 'GOCACHE', 'GOMODCACHE']);
      const [cache, modcache] = stdout.trim().split('\n');
      return { GOCACHE: cache, GOMODCACHE: modcache };
    } catch {
      // try the next
    }
  }
  return {};
}
