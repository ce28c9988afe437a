// Building one package in several variants (cgo on/off, net resolver tags...) so their address spaces
// can be compared. Each result records what the toolchain and the ELF headers say the binary is.
import { spawn } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadedImageSize, readElf } from '../elf';
import { descendantsOf, killQuietly, pidExists } from './proc';
import { ToolError, execTool, type ToolLocation } from './tools';
import type { Watchdog } from './watchdog';

export interface Variant {
  name: string;
  env?: Record<string, string>;
  tags?: string[];
  ldflags?: string;
  /** a different go for this variant only, e.g. an older release to compare runtimes */
  goBinary?: string;
}

export const DEFAULT_VARIANTS: Variant[] = [
  { name: 'default' },
  { name: 'pure', env: { CGO_ENABLED: '0' } },
  { name: 'netgo', tags: ['netgo'] },
  { name: 'netcgo', tags: ['netcgo'] },
];

export interface BuildResult {
  variant: Variant;
  ok: true;
  binary: string;
  binarySize: number;
  /** bytes the kernel maps for the binary's PT_LOAD segments, see loadedImageSize */
  imageSize: number;
  goVersion: string;
  /** the "build" lines of `go version -m BINARY` (CGO_ENABLED, -tags, -ldflags, GOOS...) */
  buildSettings: Record<string, string>;
  linkage: 'dynamic' | 'static';
  interpreter?: string;
  needed: string[];
  /** packages in the build (same env and tags) that have cgo files; runtime/cgo appears whenever cgo is on */
  cgoPackages: string[];
  command: string[];
  durationMs: number;
}

export interface Diagnostic {
  /** absolute path */
  file: string;
  line: number;
  column?: number;
  message: string;
}

export interface BuildFailure {
  variant: Variant;
  ok: false;
  command: string[];
  stderr: string;
  diagnostics: Diagnostic[];
}

export interface BuildOptions {
  go: ToolLocation;
  packageDir: string;
  /** a private folder made by the caller (makePrivateTempDir) */
  outDir: string;
  variant: Variant;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** the whole variant's go commands (list, build) must finish within this; default DEFAULT_BUILD_TIMEOUT_MS */
  timeoutMs?: number;
  /** stops the go commands if we die (even by SIGKILL), see watchdog.ts */
  watchdog?: Watchdog;
  log?: (line: string) => void;
}

/** A build that waits on a module download or a hung -toolexec must not hang the run: 10 minutes, then stopped. */
export const DEFAULT_BUILD_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * A 0700 folder under os.tmpdir(): binaries built there cannot be swapped by another user before we run them.
 * Its name holds our pid (PREFIX-PID-XXXXXX), so a later run can tell the folder of a run that was killed.
 */
export async function makePrivateTempDir(prefix: string): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `${prefix}${process.pid}-`));
  await fsp.chmod(dir, 0o700);
  return dir;
}

/**
 * Removes the folders that makePrivateTempDir(prefix) made for processes that no longer exist (a run killed with
 * SIGKILL cannot clean up after itself): only ours (same uid), only with a dead owner pid. Returns their paths.
 */
export async function removeStaleTempDirs(prefix: string): Promise<string[]> {
  const tmp = os.tmpdir();
  const re = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+)-[A-Za-z0-9]{6}$`);
  const removed: string[] = [];
  for (const name of await fsp.readdir(tmp).catch(() => [] as string[])) {
    const m = re.exec(name);
    if (!m || pidExists(Number(m[1]))) continue;
    const dir = path.join(tmp, name);
    const st = await fsp.lstat(dir).catch(() => undefined);
    if (!st?.isDirectory() || st.uid !== process.getuid?.()) continue;
    await fsp.rm(dir, { recursive: true, force: true }).then(() => removed.push(dir), () => {});
  }
  return removed;
}

/** Removes a folder made by makePrivateTempDir; refuses anything outside os.tmpdir() so a bad argument cannot wipe real files. */
export async function removeTempDir(dir: string): Promise<void> {
  const tmp = path.resolve(os.tmpdir());
  const abs = path.resolve(dir);
  if (path.dirname(abs) !== tmp) throw new Error(`refusing to remove ${abs}: not a folder directly under ${tmp}`);
  await fsp.rm(abs, { recursive: true, force: true });
}

function variantEnv(base: NodeJS.ProcessEnv | undefined, variant: Variant): NodeJS.ProcessEnv {
  return { ...(base ?? process.env), ...(variant.env ?? {}) };
}

function flagArgs(variant: Variant): string[] {
  const args: string[] = [];
  if (variant.tags && variant.tags.length > 0) args.push(`-tags=${variant.tags.join(',')}`);
  if (variant.ldflags) args.push(`-ldflags=${variant.ldflags}`);
  return args;
}

function binaryName(packageDir: string, variant: Variant): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');
  return `${clean(path.basename(path.resolve(packageDir)))}-${clean(variant.name)}`;
}

export async function buildVariant(opts: BuildOptions): Promise<BuildResult | BuildFailure> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS;
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), timeoutMs);
  try {
    return await buildSteps({ ...opts, signal: opts.signal ? AbortSignal.any([opts.signal, timer.signal]) : timer.signal });
  } catch (err) {
    if (timer.signal.aborted && !opts.signal?.aborted) {
      throw new ToolError(
        `go build of the ${opts.variant.name} variant did not finish within ${formatSeconds(timeoutMs)} and was stopped with every process it started`,
        'if it waits for a module download, check the network and GOPROXY (or run `go mod download` first); if the build is only slow, raise --build-timeout (the goMemoryLens.buildTimeoutSeconds setting)',
      );
    }
    throw err;
  } finally {
    clearTimeout(timeout);
  }
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return s >= 120 && s % 60 === 0 ? `${s / 60} min` : `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

async function buildSteps(opts: BuildOptions): Promise<BuildResult | BuildFailure> {
  const { variant } = opts;
  const packageDir = path.resolve(opts.packageDir);
  const goPath = variant.goBinary ?? opts.go.path;
  const env = variantEnv(opts.env, variant);
  const log = opts.log ?? (() => {});
  const flags = flagArgs(variant);
  const binary = path.join(opts.outDir, binaryName(packageDir, variant));
  const command = [goPath, 'build', ...flags, '-o', binary, '.'];

  // `go build -o` of a non-main package writes nothing useful; say so instead of a confusing later error.
  const listed = await runGroup(goPath, ['list', '-e', ...flags, '-f', '{{.Name}}', '.'], { cwd: packageDir, env, signal: opts.signal, watchdog: opts.watchdog });
  const pkgName = listed.stdout.trim();
  if (listed.code === 0 && pkgName && pkgName !== 'main') {
    const stderr = `${packageDir} holds package ${pkgName}, not package main: only a main package builds a program to trace\n`;
    log(stderr.trimEnd());
    return { variant, ok: false, command, stderr, diagnostics: [] };
  }

  log(`$ ${describeCommand(command, variant)}`);
  const started = Date.now();
  const [built, cgo] = await Promise.all([
    runGroup(goPath, command.slice(1), { cwd: packageDir, env, signal: opts.signal, watchdog: opts.watchdog, onStderrLine: log }),
    runGroup(goPath, ['list', '-e', '-deps', ...flags, '-f', '{{if .CgoFiles}}{{.ImportPath}}{{end}}', '.'], { cwd: packageDir, env, signal: opts.signal, watchdog: opts.watchdog }),
  ]);
  const durationMs = Date.now() - started;
  if (built.code !== 0) {
    return { variant, ok: false, command, stderr: built.stderr, diagnostics: parseBuildErrors(built.stderr, packageDir) };
  }

  const [info, stat, versionM] = await Promise.all([
    readElf(binary),
    fsp.stat(binary),
    execTool(goPath, ['version', '-m', binary], { env, signal: opts.signal }),
  ]);
  const { goVersion, settings } = parseVersionM(versionM.stdout);
  const dynamic = info.interpreter !== undefined || info.needed.length > 0;
  log(`built ${binary} (${stat.size} bytes, ${dynamic ? 'dynamically' : 'statically'} linked) in ${durationMs} ms`);
  return {
    variant,
    ok: true,
    binary,
    binarySize: stat.size,
    imageSize: loadedImageSize(info),
    goVersion,
    buildSettings: settings,
    linkage: dynamic ? 'dynamic' : 'static',
    ...(info.interpreter !== undefined ? { interpreter: info.interpreter } : {}),
    needed: info.needed,
    cgoPackages: cgo.code === 0 ? cgo.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [],
    command,
    durationMs,
  };
}

function describeCommand(command: string[], variant: Variant): string {
  const envPart = Object.entries(variant.env ?? {}).map(([k, v]) => `${k}=${v} `).join('');
  return envPart + command.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * Runs go in its own process group so that cancelling (or the build timeout) also stops the compilers, linkers
 * and -toolexec tools it started: killing only `go` would leave them running, and one that made its own
 * session is found as go's descendant.
 */
function runGroup(
  file: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal; watchdog?: Watchdog; onStderrLine?: (line: string) => void },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(abortError());
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const unguard = child.pid !== undefined ? opts.watchdog?.guardGroup(child.pid) : undefined;
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => (stdout += d));
    let stderr = '';
    let pending = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr += d;
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) opts.onStderrLine?.(l);
    });
    const onAbort = () => {
      if (child.pid === undefined) return;
      for (const pid of descendantsOf(child.pid).reverse()) killQuietly(pid);
      killQuietly(-child.pid);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.on('close', (code) => {
      unguard?.();
      opts.signal?.removeEventListener('abort', onAbort);
      if (pending) opts.onStderrLine?.(pending);
      if (opts.signal?.aborted) return reject(abortError());
      resolve({ code, stdout, stderr });
    });
  });
}

function abortError(): Error {
  const e = new Error('the build was cancelled');
  e.name = 'AbortError';
  return e;
}

/** go build's "./main.go:12:5: undefined: x" lines; tab-indented lines continue the previous message. */
export function parseBuildErrors(stderr: string, packageDir: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = /^((?:[A-Za-z]:)?[^:\s][^:]*\.(?:go|c|h|s|cc|cpp|m)):(\d+)(?::(\d+))?: (.*)$/.exec(line);
    if (m) {
      out.push({
        file: path.resolve(packageDir, m[1]),
        line: Number(m[2]),
        ...(m[3] !== undefined ? { column: Number(m[3]) } : {}),
        message: m[4],
      });
    } else if (/^\t/.test(line) && out.length > 0) {
      out[out.length - 1].message += `\n${line.slice(1)}`;
    }
  }
  return out;
}

/** `go version -m` prints "BINARY: go1.23.5" then tab-separated "build\tKEY=VALUE" lines (VALUE quoted when it has spaces). */
export function parseVersionM(text: string): { goVersion: string; settings: Record<string, string> } {
  const first = /^[^\n]*?: (go\S+)/.exec(text);
  const settings: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*build\s+([^=\s]+)=(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        // keep the raw text: Go's quoting and JSON's agree except for rare escapes
      }
    }
    settings[m[1]] = value;
  }
  return { goVersion: first ? first[1] : '', settings };
}
