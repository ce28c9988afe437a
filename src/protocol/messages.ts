// Every message between the extension host and the report webview, as discriminated unions in each
// direction. The host sends data only after the webview says `ready`; anything from the webview is checked
// with isWebviewMessage before it is acted on.
import type { PackedReport } from './packed';

/** What the webview keeps in getState/setState, so a hidden or reloaded panel comes back as it was. */
export interface PanelState {
  reportId: string;
  baseline?: string;
  /** the variant whose threads and events are shown */
  variant?: string;
  filter?: { tid?: number; kind?: string; minSize?: number; text?: string };
  selectedLine?: number;
  scrollTop?: number;
  theme?: 'light' | 'dark' | 'high-contrast';
}

export type ExportFormat = 'json' | 'chrome-trace' | 'html' | 'markdown';

export type HostMessage =
  /**
   * location: the package or log as the user knows it (relative to the workspace when inside it). The
   * report goes packed (core/report/packed.ts: its events as columns, a sixth of the JSON of 10^5 event
   * objects), as the standalone file embeds it; the webview unpacks it.
   */
  | { type: 'report'; reportId: string; packed: PackedReport; location?: string }
  | { type: 'running'; message: string }
  | { type: 'failed'; message: string; fix?: string };

export type WebviewMessage =
  | { type: 'ready'; state?: PanelState }
  | { type: 'rerun' }
  /**
   * a suggestion's button: measure a remedy on the variant `variants[0]` (built with the extra `tags`, run
   * with the extra `env`) and add it to this report as a new column beside that variant
   */
  | { type: 'rerunWith'; variants?: string[]; env?: Record<string, string>; tags?: string[] }
  | { type: 'copyMarkdown' }
  | { type: 'save'; format: ExportFormat }
  /** open the variant's own strace log at a line (the host resolves the file; the webview names no paths) */
  | { type: 'openLog'; variant: string; line: number }
  /** open the source of frame `frame` of the -k stack of the event at `line` (go tool addr2line on the kept binary) */
  | { type: 'openFrame'; variant: string; line: number; frame: number };

export function assertNever(x: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(x)}`);
}

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/**
 * a variant's name, or its label when it ran more than once ("pure #2"), or a measured re-run's column
 * ("default + MALLOC_ARENA_MAX=2", "default + -tags netgo,osusergo"), or a compared report's ("default @ net 12-03 13:40")
 */
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.\/-]{0,127}(?: #[0-9]{1,3})?(?: [+@] [A-Za-z0-9_.,:=+ -]{1,300})?$/;
/**
 * The environment a re-run may add: only the variables a suggestion offers, each with the values it can
 * take. Anything else (LD_PRELOAD, GOFLAGS=-toolexec=…, PATH) would let the page run code of its choosing.
 */
const RERUN_ENV: Readonly<Record<string, (v: string) => boolean>> = {
  // small positive integers
  MALLOC_ARENA_MAX: (v) => /^[1-9][0-9]{0,3}$/.test(v),
  GOMAXPROCS: (v) => /^[1-9][0-9]{0,3}$/.test(v),
  // a percentage or off
  GOGC: (v) => v === 'off' || /^-?[0-9]{1,6}$/.test(v),
  // Go's size syntax: a number with an optional B, KiB, MiB, GiB or TiB suffix
  GOMEMLIMIT: (v) => v === 'off' || /^[0-9]{1,19}(B|KiB|MiB|GiB|TiB)?$/.test(v),
  // only off: a remedy to measure, never a way to turn cgo on
  CGO_ENABLED: (v) => v === '0',
  // key=value settings, comma-separated, safe characters only
  GODEBUG: (v) => v.length <= 256 && /^[A-Za-z0-9_.]+=[A-Za-z0-9_.+-]*(,[A-Za-z0-9_.]+=[A-Za-z0-9_.+-]*)*$/.test(v),
};

/** The build tags a re-run may add: the remedies that swap a package's cgo files for pure Go. */
export const RERUN_TAGS: readonly string[] = ['netgo', 'osusergo'];

/** Whether a re-run may set `key` to `value` (the variables and values a suggestion can offer). */
export function isRerunEnvEntry(key: string, value: unknown): boolean {
  return Object.prototype.hasOwnProperty.call(RERUN_ENV, key) && typeof value === 'string' && RERUN_ENV[key](value);
}
const FORMATS: readonly string[] = ['json', 'chrome-trace', 'html', 'markdown'];

function exactKeys(o: Record<string, unknown>, required: string[], optional: string[] = []): boolean {
  const keys = Object.keys(o);
  return required.every((k) => k in o) && keys.every((k) => required.includes(k) || optional.includes(k));
}

function isName(x: unknown): x is string {
  return typeof x === 'string' && NAME_RE.test(x);
}

/** Messages from the webview are untrusted input: accept only the exact shapes above. */
export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'ready':
      return exactKeys(o, ['type'], ['state']) && (o.state === undefined || isPanelState(o.state));
    case 'rerun':
    case 'copyMarkdown':
      return exactKeys(o, ['type']);
    case 'rerunWith': {
      if (!exactKeys(o, ['type'], ['variants', 'env', 'tags'])) return false;
      if (o.tags !== undefined && !(Array.isArray(o.tags) && o.tags.length <= RERUN_TAGS.length && o.tags.every((t) => typeof t === 'string' && RERUN_TAGS.includes(t)))) return false;
      if (o.variants !== undefined && !(Array.isArray(o.variants) && o.variants.length <= 32 && o.variants.every(isName))) return false;
      if (o.env !== undefined) {
        if (typeof o.env !== 'object' || o.env === null || Array.isArray(o.env)) return false;
        const entries = Object.entries(o.env);
        if (entries.length > 16 || !entries.every(([k, v]) => isRerunEnvEntry(k, v))) return false;
      }
      return true;
    }
    case 'save':
      return exactKeys(o, ['type', 'format']) && typeof o.format === 'string' && FORMATS.includes(o.format);
    case 'openLog':
      return exactKeys(o, ['type', 'variant', 'line']) && isName(o.variant) && Number.isInteger(o.line) && (o.line as number) >= 1;
    case 'openFrame':
      return exactKeys(o, ['type', 'variant', 'line', 'frame']) && isName(o.variant) && Number.isInteger(o.line) && (o.line as number) >= 1
        && Number.isInteger(o.frame) && (o.frame as number) >= 0 && (o.frame as number) < 256;
    default:
      return false;
  }
}

export function isPanelState(s: unknown): s is PanelState {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return false;
  const o = s as Record<string, unknown>;
  return typeof o.reportId === 'string' && ID_RE.test(o.reportId);
}
