// Locating `go` and `strace`. Every answer says why that binary was chosen, because "which go did it use?"
// is the first question when a build behaves differently from the user's terminal.
import { execFile } from 'node:child_process';
import { constants as fsc, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ToolLocation {
  path: string;
  /** one sentence: which setting, variable or convention picked this binary */
  why: string;
}

/** A missing or unusable tool, with what the user can do about it. */
export class ToolError extends Error {
  constructor(message: string, readonly fix: string) {
    super(message);
    this.name = 'ToolError';
  }
}

export interface FindGoOptions {
  /** e.g. the go.alternateTools.go setting; a bare name is looked up on PATH */
  explicitPath?: string;
  /** e.g. the go.goroot setting */
  goroot?: string;
  env?: NodeJS.ProcessEnv;
}

/** The oldest Go whose runtime and `go version -m` output the rest of the engine understands. */
export const MIN_GO_MINOR = 18;

export async function isExecutable(file: string): Promise<boolean> {
  try {
    const st = await fsp.stat(file);
    if (!st.isFile()) return false;
    await fsp.access(file, fsc.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` in the PATH of `env`, like the shell would pick. */
export async function whichOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function resolveExplicit(p: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (!p.includes('/')) return whichOnPath(p, env);
  const abs = path.resolve(expandHome(p, env));
  return (await isExecutable(abs)) ? abs : undefined;
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  return p === '~' || p.startsWith('~/') ? path.join(homeDir(env), p.slice(1)) : p;
}

function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || os.homedir();
}

/** Debian/Ubuntu's golang-1.NN-go packages install side by side as /usr/lib/go-1.NN; newest first. */
async function debianGoRoots(): Promise<string[]> {
  const entries = await fsp.readdir('/usr/lib').catch(() => [] as string[]);
  return entries
    .map((name) => ({ name, m: /^go-1\.(\d+)$/.exec(name) }))
    .filter((e) => e.m)
    .sort((a, b) => Number(b.m![1]) - Number(a.m![1]))
    .map((e) => path.join('/usr/lib', e.name));
}

/** golang.org/dl downloads SDKs to ~/sdk/goX.Y.Z; newest first. */
async function sdkGoRoots(home: string): Promise<string[]> {
  const dir = path.join(home, 'sdk');
  const entries = await fsp.readdir(dir).catch(() => [] as string[]);
  const key = (n: string) => (/^go(\d+)\.(\d+)(?:\.(\d+))?/.exec(n) ?? []).slice(1).map((x) => Number(x ?? 0));
  return entries
    .filter((n) => /^go\d+\.\d+/.test(n))
    .sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      for (let i = 0; i < 3; i++) if (ka[i] !== kb[i]) return (kb[i] ?? 0) - (ka[i] ?? 0);
      return 0;
    })
    .map((n) => path.join(dir, n));
}

/**
 * Order: explicit path, the goroot option, $GOROOT, PATH, then the places installers put Go
 * (Debian/Ubuntu /usr/lib/go-1.NN newest first, /usr/lib/go, /usr/local/go, ~/go, ~/sdk/goX.Y.Z, snap).
 */
export async function findGo(opts: FindGoOptions = {}): Promise<ToolLocation> {
  const env = opts.env ?? process.env;
  if (opts.explicitPath) {
    const p = await resolveExplicit(opts.explicitPath, env);
    if (p) return { path: p, why: `explicitly configured go (${opts.explicitPath})` };
    // An explicit choice that does not work is an error, not a reason to silently use another go.
    throw new ToolError(`the configured go "${opts.explicitPath}" is not an executable file`, 'fix the path in the go.alternateTools.go setting or remove it');
  }
  if (opts.goroot) {
    const p = path.join(expandHome(opts.goroot, env), 'bin', 'go');
    if (await isExecutable(p)) return { path: p, why: `configured goroot's bin/go (goroot=${opts.goroot})` };
    throw new ToolError(`no executable go in the configured goroot ${opts.goroot}`, 'fix the go.goroot setting or remove it');
  }
  if (env.GOROOT) {
    const p = path.join(env.GOROOT, 'bin', 'go');
    if (await isExecutable(p)) return { path: p, why: `GOROOT/bin/go (GOROOT=${env.GOROOT})` };
  }
  const onPath = await whichOnPath('go', env);
  if (onPath) return { path: onPath, why: 'first `go` on PATH' };

  const home = homeDir(env);
  const wellKnown: ToolLocation[] = [
    ...(await debianGoRoots()).map((root) => ({
      path: path.join(root, 'bin', 'go'),
      why: `Debian/Ubuntu golang-${path.basename(root).slice(3)}-go at ${path.join(root, 'bin', 'go')}`,
    })),
    { path: '/usr/lib/go/bin/go', why: 'Debian/Ubuntu golang-go at /usr/lib/go/bin/go' },
    { path: '/usr/local/go/bin/go', why: 'the official tarball location /usr/local/go/bin/go' },
    { path: path.join(home, 'go', 'bin', 'go'), why: `a go installed in ~/go/bin (${path.join(home, 'go', 'bin', 'go')})` },
    { path: path.join(home, '.local', 'go', 'bin', 'go'), why: `a go unpacked in ~/.local/go (${path.join(home, '.local', 'go', 'bin', 'go')})` },
    ...(await sdkGoRoots(home)).map((root) => ({ path: path.join(root, 'bin', 'go'), why: `golang.org/dl SDK at ${root}` })),
    { path: '/snap/bin/go', why: 'the go snap at /snap/bin/go' },
  ];
  for (const loc of wellKnown) if (await isExecutable(loc.path)) return loc;
  throw new ToolError(
    'go not found (not configured, not in GOROOT, not on PATH, not in /usr/lib/go-1.*, /usr/local/go or ~/sdk)',
    'install Go (e.g. `apt-get install golang-go`, or the tarball from go.dev/dl into /usr/local/go) or set go.alternateTools.go to its path',
  );
}

export async function findStrace(opts: { explicitPath?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ToolLocation> {
  const env = opts.env ?? process.env;
  if (opts.explicitPath) {
    const p = await resolveExplicit(opts.explicitPath, env);
    if (p) return { path: p, why: `explicitly configured strace (${opts.explicitPath})` };
    throw new ToolError(`the configured strace "${opts.explicitPath}" is not an executable file`, 'fix the configured strace path or remove it');
  }
  const onPath = await whichOnPath('strace', env);
  if (onPath) return { path: onPath, why: 'first `strace` on PATH' };
  for (const p of ['/usr/bin/strace', '/usr/local/bin/strace', '/bin/strace']) {
    if (await isExecutable(p)) return { path: p, why: `strace at the usual location ${p}` };
  }
  throw new ToolError('strace not found', 'install it with `apt-get install strace` (or your distribution\'s strace package)');
}

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** execFile without a shell that resolves with the exit status instead of throwing on failure. */
export function execTool(
  file: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; signal?: AbortSignal; maxBuffer?: number } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: opts.cwd, env: opts.env ?? process.env, signal: opts.signal, maxBuffer: opts.maxBuffer ?? 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(err);
        if (err && err.name === 'AbortError') return reject(err);
        const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          signal: e?.signal ?? null,
          stdout,
          stderr,
        });
      },
    );
  });
}

/** "go1.23.5" from `go version`; a ToolError if go does not run or is older than go1.18. */
export async function goVersion(go: ToolLocation, env?: NodeJS.ProcessEnv): Promise<string> {
  let res: ExecResult;
  try {
    res = await execTool(go.path, ['version'], { env: env ?? process.env });
  } catch (err) {
    throw new ToolError(`\`${go.path} version\` could not run: ${(err as Error).message}`, `check the go chosen by ${go.why}`);
  }
  if (res.code !== 0) {
    throw new ToolError(`\`${go.path} version\` failed: ${(res.stderr || res.stdout).trim()}`, `check the go chosen by ${go.why}`);
  }
  const m = /\bgo version (?:devel )?(go\d+(?:\.\d+)*(?:(?:rc|beta)\d+)?)/.exec(res.stdout);
  if (!m) throw new ToolError(`cannot read the version in \`go version\` output: ${res.stdout.trim()}`, `check the go chosen by ${go.why}`);
  const version = m[1];
  const [major, minor] = version.slice(2).split('.').map((x) => parseInt(x, 10));
  if (major < 1 || (major === 1 && (minor ?? 0) < MIN_GO_MINOR)) {
    throw new ToolError(`${version} (${go.path}) is too old; go1.${MIN_GO_MINOR} or newer is needed`, 'install a newer Go and point go.alternateTools.go or go.goroot at it');
  }
  return version;
}
