/**
 * The report: what every view of Go Memory Lens shows (the CLI table, `--json`, the VS Code panel).
 * Sizes are bytes as numbers (they stay below 2^53); addresses travel as hex strings.
 * Bump SCHEMA_VERSION on any incompatible change; `schema/report.schema.json` documents it.
 */
export const SCHEMA_VERSION = 1;

export type CategoryKind =
  | 'thread-stack'
  | 'guard-page'
  | 'malloc-arena'
  | 'go-heap'
  | 'go-runtime'
  | 'shared-library'
  | 'executable'
  | 'file'
  | 'brk-heap'
  | 'stack-vdso'
  | 'other';

export interface CategoryTotal {
  count: number;
  bytes: number;
}

export interface KernelFigures {
  vmSize: number;
  vmPeak: number;
  vmRss?: number;
  threads: number;
  /** mappings in /proc/PID/maps */
  mappings?: number;
}

export interface ThreadReport {
  tid: number;
  parentTid?: number;
  how: 'initial' | 'pthread_create' | 'go-runtime' | 'clone' | 'fork' | 'vfork' | 'unknown';
  why: string;
  createdLine?: number;
  exitedLine?: number;
  /** microseconds, in the log's clock (see TimelinePoint.t) */
  createdTime?: number;
  exitedTime?: number;
  exitCode?: number;
  exitSignal?: string;
  stackBytes?: number;
  guardBytes?: number;
  /** hex address of its stack mapping */
  stackAddress?: string;
  arenaAddress?: string;
}

export interface UnseenReport {
  kind: CategoryKind;
  bytes: number;
  estimate: boolean;
  why: string;
}

export interface ProcessReport {
  pid: number;
  /** in the top-level list of an investigation: which variant this process belongs to */
  variant?: string;
  parentPid?: number;
  command: string;
  exe?: string;
  isGo: boolean;
  dynamic: boolean;
  /** where the figures "at exit" were taken: the exit_group call, or the last line when the log has none */
  measuredAt: { line: number; what: 'exit_group' | 'last exit' | 'end of log' };
  vsizeAtExit: number;
  vsizePeak: number;
  reservedAtExit: number;
  accessibleAtExit: number;
  threadsCreated: number;
  threadsAtExit: number;
  /** bytes by category at exit, including what execve mapped (see `unseen`) */
  categories: Partial<Record<CategoryKind, CategoryTotal>>;
  /** what execve mapped and the log cannot show; included in vsizeAtExit and vsizePeak */
  unseen: UnseenReport[];
  libraries: string[];
  threads: ThreadReport[];
  /**
   * threads of this process past the engine's cap (10,000 kept in full by default): counted in
   * threadsCreated and threadsAtExit, not listed in `threads`
   */
  threadsNotListed?: number;
  /** thread ids seen only in lines no clone in the log accounts for, though it shows the program start: not counted as threads */
  strayTids?: number;
  /** the seed's napkin math for this process, one line each */
  napkin: string[];
  kernel?: KernelFigures;
  exitCode?: number;
  exitSignal?: string;
  /** the log ended without this process exiting */
  partial: boolean;
}

export interface UnparsedLineReport {
  line: number;
  file?: string;
  text: string;
  reason: string;
}

export interface TimelinePoint {
  /** microseconds (or the line number when the log has no timestamps) */
  t: number;
  line: number;
  vsize: number;
  reserved: number;
}

export interface EventReport {
  line: number;
  time?: number;
  tid: number;
  pid: number;
  op: string;
  address?: string;
  size?: number;
  prot?: string;
  flags?: string;
  kind?: CategoryKind;
  note: string;
  vsizeAfter: number;
  child?: number;
  stack?: string[];
}

export interface LogReport {
  files: string[];
  lines: number;
  bytes: number;
  syscalls: number;
  capture: {
    pidPrefix: string;
    timestamps: string;
    durations: boolean;
    fdPaths: boolean;
    stacks: boolean;
    truncatedStrings: boolean;
  };
  unparsedLines: number;
  warnings: string[];
  /**
   * An -ff set with files missing (the totals leave out their calls): the pids made in the set that have no
   * file, whether the main process's own file is missing, and the files whose maker's file is missing.
   */
  missingFiles?: { pids: number[]; mainProcess: boolean; orphans: number[] };
}

export interface RunReport {
  variant: string;
  env?: Record<string, string>;
  tags?: string[];
  ldflags?: string;
  goVersion?: string;
  binary?: string;
  binarySize?: number;
  linkage?: 'static' | 'dynamic';
  interpreter?: string;
  needed?: string[];
  cgoPackages?: string[];
  buildSettings?: Record<string, string>;
  command?: string[];
  exitCode?: number | null;
  signal?: string | null;
  timedOut?: boolean;
  cancelled?: boolean;
  dns?: string;
  output?: string;
  wallMs?: number;
  traceMode?: string;
  notices?: string[];
}

/** One traced run (a build variant) or one log analyzed on its own. */
export interface VariantReport {
  name: string;
  run?: RunReport;
  log: LogReport;
  processes: ProcessReport[];
  unparsedLines: UnparsedLineReport[];
  timeline: TimelinePoint[];
  events: EventReport[];
  eventsTotal: number;
  /** the report is from a run that did not finish normally (timeout, cancel, crash, truncated log) */
  partial: boolean;
  partialReasons: string[];
}

export interface Report {
  schemaVersion: number;
  tool: { name: 'go-memory-lens'; version: string };
  createdAt: string;
  kind: 'investigation' | 'analysis';
  package?: string;
  variants: VariantReport[];
  /** the main process of the first variant, flattened for quick use */
  processes: ProcessReport[];
  /** all unparsed lines of all variants (the first ones, with line numbers) and their count */
  unparsedLines: number;
}
