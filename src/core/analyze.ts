import * as path from 'node:path';
import { readElf, loadedImageSize, type ElfInfo } from './elf';
import { statusField } from './run/proc';
import { hex } from './format';
import { MODEL_DETAIL_CALLS, MODEL_MAX_THREADS, TraceModel, type ProcessState, type UnseenPart } from './model/model';
import { readLog, resolveLogSource, type LogSource, type ParseSummary, type ReadLogOptions } from './strace/reader';
import { protString } from './strace/args';
import { napkinMath } from './report/explain';
import type {
  CategoryKind, EventReport, KernelFigures, LogReport, ProcessReport, ThreadReport, VariantReport,
} from '../protocol/report';

const KiB = 1024;
/** What execve maps that no syscall in the log shows, when nothing better is known (this machine kind's kernel). */
const INITIAL_STACK_ESTIMATE = 132 * KiB;
const VDSO_VVAR_ESTIMATE = 32 * KiB; // [vvar] 16 KiB + [vvar_vclock] 8 KiB + [vdso] 8 KiB on Linux 6.x x86_64

export interface KernelSnapshotLike {
  status: string;
  maps?: string;
  tasks?: number;
  tgid?: number;
}

/**
 * The events a report lists at most: the first ones of the log. Every figure and count covers all events;
 * the list is what memory is spent on in a huge log (one object and a note each, held until the report is
 * written), so it is bounded well before the log is.
 */
export const ANALYZE_MAX_EVENTS = 100_000;

export interface AnalyzeOptions {
  /** the traced executable, for the parts of the address space that execve maps (ELF program headers) */
  binary?: string;
  /** what the kernel reported at exit_group, to put beside the model */
  kernel?: KernelSnapshotLike;
  name?: string;
  signal?: AbortSignal;
  /** the most events the report lists (all are counted; default ANALYZE_MAX_EVENTS) */
  maxEvents?: number;
}

/** Runs the engine on a strace log: parse, model, report. */
export async function analyzeLog(logPath: string | LogSource, opts: AnalyzeOptions = {}): Promise<VariantReport> {
  const source = typeof logPath === 'string' ? await resolveLogSource(logPath) : logPath;
  let elf: ElfInfo | undefined;
  let interp: ElfInfo | undefined;
  const warnings: string[] = [];
  if (source.skipped?.length) warnings.push(`left out ${source.skipped.length} entr${source.skipped.length === 1 ? 'y' : 'ies'} named like -ff files that ${source.skipped.length === 1 ? 'is not a regular file' : 'are not regular files'}: ${source.skipped.slice(0, 3).map((f) => path.basename(f)).join(', ')}${source.skipped.length > 3 ? ', …' : ''}`);
  if (opts.binary) {
    try {
      elf = await readElf(opts.binary);
      if (elf.interpreter) interp = await readElf(elf.interpreter).catch(() => undefined);
    } catch (err) {
      warnings.push(`could not read the binary ${opts.binary}: ${(err as Error).message}; executable size is unknown`);
    }
  }
  const { model, summary } = await modelLog(source, { exeIsGo: elf?.isGo, maxEvents: opts.maxEvents, signal: opts.signal });
  const main = model.mainPid !== undefined ? model.processes.get(model.mainPid) : undefined;
  if (main && main.images > 1) {
    // the program ran another one in its place (syscall.Exec): what execve mapped at the end is that
    // program's image, sized from its own file when it is on this machine, not the traced binary's
    const exe = main.exe;
    elf = exe && !exe.endsWith('...') ? await readElf(exe).catch(() => undefined) : undefined;
    interp = elf?.interpreter ? await readElf(elf.interpreter).catch(() => undefined) : undefined;
    warnings.push(`process ${main.pid} replaced itself with ${exe ?? 'another program'} (execve): the figures at exit are that program's${elf ? '' : `, whose own segments are unknown (its file could not be read)`}`);
  }
  return buildVariantReport(model, summary, source, { ...opts, elf, interp, warnings, binary: main && main.images > 1 ? main.exe : opts.binary });
}

/**
 * What analyzeLog does before it writes the report: the parser feeding the model (on a worker thread for a
 * big log, see readLog). The parse benchmark measures this.
 */
export async function modelLog(
  source: LogSource,
  opts: { exeIsGo?: boolean; maxEvents?: number; signal?: AbortSignal; read?: Pick<ReadLogOptions, 'workerMinBytes' | 'workerFile'> } = {},
): Promise<{ model: TraceModel; summary: ParseSummary }> {
  const model = new TraceModel({ exeIsGo: opts.exeIsGo, maxEvents: opts.maxEvents ?? ANALYZE_MAX_EVENTS });
  const summary = await readLog(source, (e) => model.onEvent(e), {
    ...opts.read, signal: opts.signal, detailCalls: MODEL_DETAIL_CALLS, reuseEvents: true,
    onOtherCall: (pid, time, line) => model.onOtherCall(pid, time, line),
    onOtherCalls: (count, time, line) => model.onOtherCalls(count, time, line),
  });
  model.finish();
  return { model, summary };
}

function unseenParts(p: ProcessState, elf: ElfInfo | undefined, interp: ElfInfo | undefined, binary: string | undefined): UnseenPart[] {
  const parts: UnseenPart[] = [];
  if (p.execLine === undefined) return parts; // attached late: execve's mappings are in the log's blind spot entirely
  const exeName = p.exe ? path.basename(p.exe) : 'the executable';
  if (elf) {
    parts.push({ kind: 'executable', bytes: loadedImageSize(elf), estimate: false, reason: `${path.basename(binary ?? exeName)}'s PT_LOAD segments (text, rodata, data, .bss), mapped by execve; sized from its ELF program headers.` });
    if (interp) {
      parts.push({ kind: 'shared-library', bytes: loadedImageSize(interp), estimate: false, reason: `The dynamic loader ${path.basename(elf.interpreter!)}, mapped by execve as the ELF interpreter; sized from its program headers.` });
    } else if (elf.interpreter) {
      parts.push({ kind: 'shared-library', bytes: 236 * KiB, estimate: true, reason: `The dynamic loader ${path.basename(elf.interpreter)}, mapped by execve (size estimated: glibc 2.36's ld.so).` });
    }
  } else {
    if (p.dynamic) parts.push({ kind: 'shared-library', bytes: 236 * KiB, estimate: true, reason: 'The dynamic loader (ld.so), mapped by execve as the ELF interpreter (size estimated: glibc 2.36).' });
    parts.push({ kind: 'executable', bytes: 0, estimate: true, reason: `${exeName}'s own segments, mapped by execve: unknown without the binary (pass --binary).` });
  }
  parts.push({ kind: 'stack-vdso', bytes: INITIAL_STACK_ESTIMATE + VDSO_VVAR_ESTIMATE, estimate: true, reason: 'The initial stack (about 132 KiB with its arguments and environment) and the vDSO/vvar pages the kernel maps at execve (estimated).' });
  return parts;
}

export function kernelFigures(k: KernelSnapshotLike | undefined): KernelFigures | undefined {
  if (!k?.status) return undefined;
  const vmSize = statusField(k.status, 'VmSize');
  const vmPeak = statusField(k.status, 'VmPeak');
  if (vmSize === undefined || vmPeak === undefined) return undefined;
  return {
    vmSize, vmPeak, vmRss: statusField(k.status, 'VmRSS'),
    threads: statusField(k.status, 'Threads') ?? k.tasks ?? 0,
    mappings: k.maps ? k.maps.split('\n').filter((l) => l.trim() && !/\[vsyscall\]/.test(l)).length : undefined,
  };
}

function buildVariantReport(
  model: TraceModel,
  summary: ParseSummary,
  source: LogSource,
  o: AnalyzeOptions & { elf?: ElfInfo; interp?: ElfInfo; warnings: string[] },
): VariantReport {
  const warnings = o.warnings;
  const partialReasons: string[] = [];
  if (summary.style.pidPrefix === 'none' && model.processes.size <= 1 && model.threads.size <= 1) {
    warnings.push('the log has no pid column: if the program has threads, it was captured without -f and their calls are missing');
  }
  if (summary.style.timestamps === 'none') warnings.push('the log has no timestamps (-tt): the timeline is ordered by line');
  if (model.truncatedPaths > 0) warnings.push(`${model.truncatedPaths} file name(s) were cut at strace's -s limit: raise it (-s 4096) to name every mapping`);
  if (summary.mergedWithoutTime) warnings.push('-ff files without timestamps were concatenated by pid, not merged by time');
  if (summary.orphanResumed > 0) warnings.push(`${summary.orphanResumed} <... resumed> lines had no start in the log`);
  if (model.threadsCounted > 0) {
    warnings.push(`${model.threadsCounted} threads past the first ${MODEL_MAX_THREADS.toLocaleString('en-US')} are counted (made, exited, alive at exit) but not listed one by one, so that memory stays bounded; threadsNotListed gives each process's count`);
  }
  if (model.strayTids > 0) {
    warnings.push(`${model.strayTids} thread ids appear only in lines that no clone in the log accounts for (resumed halves whose start is missing, mangled pids), though the log shows the program start: they are not counted as threads (strayTids)`);
  }
  const gaps = summary.ffGaps;
  if (gaps) {
    const list = (pids: number[]): string => (pids.length > 20 ? `${pids.slice(0, 20).join(', ')} and ${pids.length - 20} more` : pids.join(', '));
    if (gaps.rootMissing) {
      warnings.push(`the -ff set lacks the main process's file (the one that begins with its execve): the program's own calls and mappings are missing${gaps.orphans.length > 0 ? `; threads ${list(gaps.orphans)} were made by a call in a file that is not there` : ''}`);
    } else if (gaps.orphans.length > 0) {
      warnings.push(`the -ff set lacks the files of the threads that made threads ${list(gaps.orphans)}`);
    }
    if (gaps.missingChildren.length > 0) {
      const shown = gaps.missingChildren.slice(0, 20).map((c) => `${c.pid} (made by ${c.parent} at line ${c.line})`).join(', ');
      warnings.push(`the -ff set lacks the files of ${gaps.missingChildren.length} thread(s) or process(es) made in it: ${shown}${gaps.missingChildren.length > 20 ? ` and ${gaps.missingChildren.length - 20} more` : ''}`);
    }
    const missing = gaps.missingChildren.map((c) => c.pid);
    partialReasons.push(`the -ff set is incomplete (${gaps.rootMissing ? 'the main process\'s file' : ''}${gaps.rootMissing && missing.length > 0 ? ' and ' : ''}${missing.length > 0 ? `the files of pids ${list(missing)}` : ''}${!gaps.rootMissing && missing.length === 0 ? 'files of the threads that made others' : ''} missing): every total is smaller than the program's`);
  }

  const processes: ProcessReport[] = [];
  for (const p of model.processes.values()) {
    const isMain = p.pid === model.mainPid;
    const unseen = unseenParts(p, isMain ? o.elf : undefined, isMain ? o.interp : undefined, o.binary);
    const unseenBytes = unseen.reduce((s, u) => s + u.bytes, 0);
    const snap = p.atExit;
    const what: ProcessReport['measuredAt']['what'] = snap ? (p.exitLine === snap.line ? 'exit_group' : 'last exit') : 'end of log';
    const vsize = snap ? snap.vsize : p.space.vsize;
    const reserved = snap ? snap.reserved : p.space.reserved;
    const categories: ProcessReport['categories'] = {};
    const bd = snap?.breakdown ?? Object.fromEntries([...p.space.breakdown()].map(([k, v]) => [k, { count: v.count, bytes: v.bytes }]));
    for (const [k, v] of Object.entries(bd)) if (v) categories[k as CategoryKind] = { count: v.count, bytes: v.bytes };
    for (const u of unseen) {
      if (u.bytes === 0) continue;
      const c = (categories[u.kind] ??= { count: 0, bytes: 0 });
      c.count += 1;
      c.bytes += u.bytes;
    }
    const threads: ThreadReport[] = p.tids.map((tid) => {
      const t = model.threads.get(tid)!;
      const stackRes = t.stackRes !== undefined ? findRes(p, t.stackRes) : undefined;
      const arenaRes = t.arenaRes !== undefined ? findRes(p, t.arenaRes) : undefined;
      return {
        tid, parentTid: t.parentTid, how: t.tid === p.pid && t.how === 'fork' ? 'fork' : t.tid === p.pid && p.pid === model.mainPid ? 'initial' : t.how,
        why: t.tid === p.pid && p.pid === model.mainPid ? 'the program\'s first thread, started by execve' : t.howReason,
        createdLine: t.createdLine, exitedLine: t.exitedLine, createdTime: t.createdTime, exitedTime: t.exitedTime,
        exitCode: t.exitCode, exitSignal: t.exitSignal,
        stackBytes: t.stackBytes, guardBytes: t.guardBytes,
        stackAddress: stackRes !== undefined ? hex(stackRes) : undefined,
        arenaAddress: arenaRes !== undefined ? hex(arenaRes) : undefined,
      };
    });
    const aliveAtExit = snap ? snap.threadsAlive : threads.filter((t) => t.exitedLine === undefined).length + p.countedThreads - p.countedExited;
    const libraries = [...p.libraries.keys()];
    const pr: ProcessReport = {
      pid: p.pid, parentPid: p.parentPid, command: p.command ?? `pid ${p.pid}`, exe: p.exe, isGo: p.isGo, dynamic: p.dynamic || !!o.elf?.interpreter,
      measuredAt: { line: snap?.line ?? model.lastLine, what },
      vsizeAtExit: vsize + unseenBytes,
      // the peak as of exit_group when there is one (what VmPeak reads then), else the whole log's
      vsizePeak: (snap && snap.peak > 0 ? snap.peak : p.space.peak) + unseenBytes,
      reservedAtExit: reserved,
      accessibleAtExit: vsize + unseenBytes - reserved,
      threadsCreated: threads.length - 1 + p.countedThreads,
      threadsAtExit: aliveAtExit,
      categories,
      unseen: unseen.map((u) => ({ kind: u.kind, bytes: u.bytes, estimate: u.estimate, why: u.reason })),
      libraries,
      threads,
      threadsNotListed: p.countedThreads > 0 ? p.countedThreads : undefined,
      strayTids: p.strayTids > 0 ? p.strayTids : undefined,
      napkin: [],
      exitCode: p.exitCode,
      exitSignal: p.exitSignal,
      partial: !p.ended && !snap,
    };
    if (isMain && o.kernel) pr.kernel = kernelFigures(o.kernel);
    pr.napkin = napkinMath(pr);
    processes.push(pr);
  }
  const main = processes.find((p) => p.pid === model.mainPid);
  if (!main) partialReasons.push('the log holds no system calls');
  else if (main.partial) partialReasons.push(`the log ends before process ${main.pid} exits`);
  if (main?.exitSignal) partialReasons.push(`process ${main.pid} was killed by ${main.exitSignal}`);
  const unparsed = summary.unparsed.map((u) => ({ line: u.line, file: u.file !== undefined ? source.files[u.file] : undefined, text: u.text, reason: u.reason }));
  const log: LogReport = {
    files: source.files,
    lines: summary.linesRead,
    bytes: summary.bytesRead,
    syscalls: model.syscallCount,
    capture: { ...summary.style },
    unparsedLines: summary.unparsedCount,
    warnings,
  };
  if (gaps) log.missingFiles = { pids: gaps.missingChildren.map((c) => c.pid), mainProcess: gaps.rootMissing, orphans: gaps.orphans };
  const mainState = model.mainPid !== undefined ? model.processes.get(model.mainPid) : undefined;
  if (model.eventCount > model.events.length) {
    warnings.push(`the event list keeps the first ${model.events.length} of ${model.eventCount} memory and thread events; every figure counts them all`);
  }
  // the model's events become the report's one by one, from the end, so that both lists are never whole at once
  const modelEvents = model.events;
  const events: EventReport[] = new Array<EventReport>(modelEvents.length);
  for (let i = modelEvents.length - 1; i >= 0; i--) {
    const e = modelEvents.pop()!;
    events[i] = {
      line: e.line, time: e.time, tid: e.tid, pid: e.pid, op: e.op,
      address: e.addr !== undefined ? hex(e.addr) : undefined, size: e.size,
      prot: e.prot !== undefined ? protString(e.prot) : undefined,
      kind: e.kind, note: e.note, vsizeAfter: e.vsizeAfter, child: e.child,
      stack: e.stack?.map((f) => `${f.func ? `${f.func}${f.offset ? '+' + f.offset : ''}` : f.address} (${path.basename(f.object)}) [${f.address}]`),
    };
  }
  return {
    name: o.name ?? path.basename(source.files[0]),
    log,
    processes: processes.sort((a, b) => (a.pid === model.mainPid ? -1 : b.pid === model.mainPid ? 1 : a.pid - b.pid)),
    unparsedLines: unparsed,
    timeline: mainState ? mainState.timeline.points() : [],
    events,
    eventsTotal: model.eventCount,
    partial: partialReasons.length > 0,
    partialReasons,
  };
}

function findRes(p: ProcessState, id: number): number | undefined {
  for (const r of p.space.all()) if (r.res.id === id) return r.res.addr;
  return undefined;
}

