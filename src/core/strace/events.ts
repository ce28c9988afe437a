/** Typed events of a strace log, as the streaming parser emits them. */

/** A frame of a `-k` stack: ` > /path/binary(runtime.newosproc+0x8e) [0x2f12e]`. */
export interface StackFrame {
  object: string;
  func?: string;
  offset?: string;
  address: string;
}

export interface SyscallEvent {
  type: 'syscall';
  pid: number;
  /** microseconds: of the day (-t/-tt), since the epoch (-ttt), or since the first line (-r); undefined without timestamps */
  time?: number;
  /** 1-based line of the call (its first half when it was split by `<unfinished ...>`) */
  line: number;
  /** line of the `<... resumed>` half, when the call was split */
  resumedLine?: number;
  /** time of the resumed half, when split: the call's effect (an mmap's address) is known only then */
  resumedTime?: number;
  name: string;
  /** the argument text between the parentheses, halves joined; raw strace notation */
  args: string;
  /** return text as strace printed it (`0x7f…`, `-1`, `?`, `3</etc/ld.so.cache>`) */
  ret: string;
  /** the return value as a number when it is one (hex or decimal); undefined for `?` */
  retval?: number;
  errno?: string;
  /** the rest after the return value: `(No such file or directory)`, `(flags O_RDWR)` */
  retNote?: string;
  /** seconds spent in the call (-T) */
  duration?: number;
  /** 'complete': one line or both halves; 'unfinished': the resumed half never came (process died, log cut) */
  status: 'complete' | 'unfinished';
  stack?: StackFrame[];
}

export interface SignalEvent {
  type: 'signal';
  pid: number;
  time?: number;
  line: number;
  signal: string;
  info: string;
  /** with -k: where the thread was when the signal arrived */
  stack?: StackFrame[];
}

export interface ExitEvent {
  type: 'exit';
  pid: number;
  time?: number;
  line: number;
  /** exit code for `+++ exited with N +++` */
  code?: number;
  /** signal for `+++ killed by SIGKILL +++` */
  signal?: string;
  coreDumped?: boolean;
  /** `+++ superseded by execve in pid N +++`: the old thread id vanished because another thread exec'd */
  supersededBy?: number;
  /** with -k, strace prints the stack of a thread's last call (exit_group) after its exit line */
  stack?: StackFrame[];
}

export interface AttachEvent {
  type: 'attach' | 'detach';
  pid: number;
  time?: number;
  line: number;
}

export type TraceEvent = SyscallEvent | SignalEvent | ExitEvent | AttachEvent;

export interface UnparsedLine {
  line: number;
  text: string;
  reason: string;
}

/** What the parser learned about how the log was captured, for diagnostics and the report. */
export interface CaptureStyle {
  pidPrefix: 'none' | 'plain' | 'bracketed' | 'fixed';
  timestamps: 'none' | 'time' | 'time-us' | 'epoch' | 'relative';
  durations: boolean;
  fdPaths: boolean;
  stacks: boolean;
  /** a string argument was cut at strace's -s limit */
  truncatedStrings: boolean;
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
