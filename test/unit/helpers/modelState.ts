import type { TraceModel } from '../../../src/core/model/model';

/** A model's whole state, as comparable text. */
export function modelState(m: TraceModel): string {
  const procs = [...m.processes.values()].map((p) => ({ ...p, space: { regions: p.space.all(), vsize: p.space.vsize, peak: p.space.peak }, timeline: p.timeline.points(), libraries: [...p.libraries], fds: [...p.fds] }));
  return JSON.stringify({ procs, threads: [...m.threads], events: m.events, count: m.eventCount, syscalls: m.syscallCount, mainPid: m.mainPid, lastLine: m.lastLine, lastTime: m.lastTime });
}
