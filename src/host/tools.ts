// Which `go` and `strace` a run uses, decided the way the Go extension decides (so a build here behaves like
// the user's own builds), and node-pty loaded from VS Code's own copy first (built for its runtime).
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ToolError, findGo, findStrace, type ToolLocation } from '../core/run/tools';
import type { PtyModule } from '../core/run/trace';
import type { Settings } from './settings';

interface GoExtensionApi {
  settings?: { getExecutionCommand?(toolName: string, resource?: vscode.Uri): { binPath: string } | undefined };
}

export interface GoChoice {
  go: ToolLocation;
  /** go.toolsEnvVars: applied to go commands only */
  buildEnv: Record<string, string>;
}

function toolsEnvVars(scope: vscode.Uri | undefined): Record<string, string> {
  const raw = vscode.workspace.getConfiguration('go', scope).get<Record<string, unknown>>('toolsEnvVars') ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') out[k] = substituteVariables(v, scope);
  return out;
}

/** The few variables the Go extension substitutes in its settings. */
function substituteVariables(v: string, scope: vscode.Uri | undefined): string {
  const folder = scope ? vscode.workspace.getWorkspaceFolder(scope) : vscode.workspace.workspaceFolders?.[0];
  return v
    .replace(/\$\{workspaceFolder\}|\$\{workspaceRoot\}/g, folder?.uri.fsPath ?? '')
    .replace(/\$\{env:([^}]+)\}/g, (_m, name: string) => process.env[name] ?? '')
    .replace(/^~(?=\/|$)/, process.env.HOME ?? '~');
}

/** An explicitly configured go that does not work is an error that names the setting to fix. */
async function configuredGo(opts: { explicitPath?: string; goroot?: string }, setting: string, env: NodeJS.ProcessEnv): Promise<ToolLocation> {
  try {
    const loc = await findGo({ ...opts, env });
    return { path: loc.path, why: `the ${setting} setting (${opts.explicitPath ?? opts.goroot})` };
  } catch (err) {
    if (err instanceof ToolError) throw new ToolError(err.message, `fix or clear the ${setting} setting`);
    throw err;
  }
}

/**
 * Order: our own goMemoryLens.goPath; the Go extension's exported getExecutionCommand('go', uri) when it is
 * installed; go.alternateTools.go; go.goroot; then GOROOT (go.toolsEnvVars or the environment), PATH and the
 * usual install places.
 */
export async function locateGo(settings: Settings, scope: vscode.Uri | undefined): Promise<GoChoice> {
  const buildEnv = toolsEnvVars(scope);
  const env = { ...process.env, ...buildEnv };
  if (settings.goPath) {
    return { go: await configuredGo({ explicitPath: substituteVariables(settings.goPath, scope) }, 'goMemoryLens.goPath', env), buildEnv };
  }
  const goExt = vscode.extensions.getExtension<GoExtensionApi>('golang.go');
  if (goExt) {
    try {
      const api = goExt.isActive ? goExt.exports : await goExt.activate();
      const bin = api?.settings?.getExecutionCommand?.('go', scope)?.binPath;
      if (bin && path.isAbsolute(bin)) {
        const loc = await findGo({ explicitPath: bin, env });
        return { go: { path: loc.path, why: `the Go extension's getExecutionCommand('go') (${goExt.packageJSON?.version ?? 'golang.go'})` }, buildEnv };
      }
    } catch {
      // fall through to the settings the Go extension would have read itself
    }
  }
  const goConfig = vscode.workspace.getConfiguration('go', scope);
  const alternate = goConfig.get<Record<string, unknown>>('alternateTools')?.go;
  if (typeof alternate === 'string' && alternate.trim()) {
    return { go: await configuredGo({ explicitPath: substituteVariables(alternate.trim(), scope) }, 'go.alternateTools.go', env), buildEnv };
  }
  const goroot = goConfig.get<string>('goroot');
  if (goroot && goroot.trim()) {
    return { go: await configuredGo({ goroot: substituteVariables(goroot.trim(), scope) }, 'go.goroot', env), buildEnv };
  }
  return { go: await findGo({ env }), buildEnv };
}

export async function locateStrace(settings: Settings): Promise<ToolLocation> {
  if (settings.stracePath) {
    try {
      const loc = await findStrace({ explicitPath: settings.stracePath });
      return { path: loc.path, why: `the goMemoryLens.stracePath setting (${settings.stracePath})` };
    } catch (err) {
      if (err instanceof ToolError) throw new ToolError(err.message, 'fix or clear the goMemoryLens.stracePath setting');
      throw err;
    }
  }
  return findStrace();
}

export interface PtyChoice {
  module?: PtyModule;
  /** where it came from, or why none could load */
  why: string;
}

/**
 * VS Code's own node-pty is built for the runtime the extension host runs on, so it comes first; the copy
 * packaged with the extension is built for the system Node, which is the same runtime only in some setups
 * (code-server, a remote server on the machine's Node). Without either, runs use pipes and say so.
 */
export function loadPty(appRoot: string, extensionPath: string): PtyChoice {
  const req = createRequire(path.join(extensionPath, 'package.json'));
  const tried: string[] = [];
  const candidates: Array<[string, string]> = [
    [path.join(appRoot, 'node_modules', 'node-pty'), "VS Code's own node-pty"],
    [path.join(appRoot, 'node_modules.asar.unpacked', 'node-pty'), "VS Code's own node-pty (asar-unpacked)"],
    ['node-pty', 'the node-pty packaged with Go Memory Lens'],
  ];
  for (const [id, label] of candidates) {
    try {
      const m = req(id) as PtyModule;
      if (typeof m.spawn === 'function') return { module: m, why: `${label} (${id === 'node-pty' ? req.resolve(id) : id})` };
      tried.push(`${label}: no spawn function`);
    } catch (err) {
      tried.push(`${label}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return { why: `no node-pty could load (${tried.join('; ')}); programs run with pipes instead of a terminal` };
}
