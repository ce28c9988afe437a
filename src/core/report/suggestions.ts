// What to do about it: the usual remedies for a Go program's virtual memory and threads, one suggestion per
// remedy, each saying whether it applies to this program (from the build's cgo packages and the traced
// figures) and its measured effect when the report has a run with the remedy applied. A remedy not yet
// measured carries a re-run: the variant it applies to, and the tags or environment that apply it.
import { formatMiB } from '../format';
import { dnsResolver } from './table';
import { incompleteReason, mainProcess, usesCgo } from './view';
import type { CategoryKind, ProcessReport, Report, VariantReport } from '../../protocol/report';

export type RemedyId = 'netgo' | 'osusergo' | 'netgo-osusergo' | 'pure' | 'netdns-go' | 'malloc-arena-max' | 'gomaxprocs' | 'lock-os-thread';

export interface Suggestion {
  remedy: RemedyId;
  text: string;
  /** measured from this report, or a prediction to be measured by re-running */
  measured: boolean;
  /** measure it: `variants[0]` (the variant it applies to) built with `tags` and run with `env`, as a new column */
  rerun?: { variants?: string[]; env?: Record<string, string>; tags?: string[] };
}

/** Packages whose cgo files a build tag or CGO_ENABLED=0 replaces with pure Go. */
const REPLACEABLE = new Set(['runtime/cgo', 'net', 'os/user']);

/** The column a measured re-run adds: its base variant and what was applied ("default + MALLOC_ARENA_MAX=2"). */
export function measuredName(base: string, change: { env?: Record<string, string>; tags?: string[] }): string {
  const parts = [...(change.tags?.length ? [`-tags ${change.tags.join(',')}`] : []), ...Object.entries(change.env ?? {}).map(([k, v]) => `${k}=${v}`)];
  return `${baseName(base)} + ${parts.join(' ')}`;
}

/** The variant a measured re-run was made from ("default" for "default + MALLOC_ARENA_MAX=2"). */
export function baseName(name: string): string {
  const i = name.indexOf(' + ');
  return i < 0 ? name : name.slice(0, i);
}

function count(p: ProcessReport | undefined, k: CategoryKind): number {
  return p?.categories[k]?.count ?? 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "4 fewer OS thread stacks, 3 fewer malloc arenas, −290.3 MiB VSZ (default → netgo)" */
function effect(from: VariantReport, to: VariantReport): string {
  const a = mainProcess(from)!;
  const b = mainProcess(to)!;
  const parts: string[] = [];
  const stacks = count(a, 'thread-stack') - count(b, 'thread-stack');
  const arenas = count(a, 'malloc-arena') - count(b, 'malloc-arena');
  const threads = a.threadsCreated - b.threadsCreated;
  if (stacks) parts.push(stacks > 0 ? `${plural(stacks, 'fewer OS thread stack')}` : `${plural(-stacks, 'more OS thread stack')}`);
  if (arenas) parts.push(arenas > 0 ? `${plural(arenas, 'fewer malloc arena')}` : `${plural(-arenas, 'more malloc arena')}`);
  if (!stacks && threads) parts.push(threads > 0 ? `${plural(threads, 'fewer thread')}` : `${plural(-threads, 'more thread')}`);
  const saved = a.vsizeAtExit - b.vsizeAtExit;
  parts.push(`${saved >= 0 ? '−' : '+'}${formatMiB(Math.abs(saved))} VSZ`);
  if (a.kernel?.vmRss !== undefined && b.kernel?.vmRss !== undefined) {
    const rss = a.kernel.vmRss - b.kernel.vmRss;
    parts.push(`${rss >= 0 ? '−' : '+'}${formatMiB(Math.abs(rss))} RSS`);
  }
  return `${parts.join(', ')} (${from.name} → ${to.name})`;
}

// a log analyzed on its own has no build facts: its name (the default variants' names) says what it was
/** A run that finished normally, so its figures are its own: the verdict's rule (incompleteReason). */
const finished = (v: VariantReport): boolean => incompleteReason(v) === undefined;

function envOf(v: VariantReport): Record<string, string> {
  return v.run ? v.run.env ?? {} : v.name === 'pure' ? { CGO_ENABLED: '0' } : {};
}

function hasTags(v: VariantReport, tags: string[]): boolean {
  return v.run ? tags.every((t) => v.run?.tags?.includes(t)) : v.name === tags.join(',');
}

export function suggestions(report: Report): Suggestion[] {
  const out: Suggestion[] = [];
  const traced = report.variants.filter((v) => mainProcess(v));
  const byName = new Map(traced.map((v) => [v.name, v]));
  // the cgo build the remedies apply to: the first one that is not itself a measured re-run
  const base = traced.find((v) => usesCgo(v) && baseName(v.name) === v.name) ?? traced.find((v) => usesCgo(v));
  /** a run with the remedy applied, compared with the variant it was made from (or the cgo base) */
  const measuredBy = (applied: (v: VariantReport) => boolean, exclude?: (v: VariantReport) => boolean): [VariantReport, VariantReport] | undefined => {
    // a saving is measured only between runs that finished
    for (const w of traced) {
      if (!applied(w) || exclude?.(w) || !finished(w)) continue;
      const from = byName.get(baseName(w.name)) !== w ? byName.get(baseName(w.name)) : base;
      if (from && from !== w && !applied(from) && finished(from)) return [from, w];
    }
    return undefined;
  };
  const push = (s: Suggestion, m: [VariantReport, VariantReport] | undefined, rerun: Suggestion['rerun']) => {
    if (m) out.push({ ...s, text: `${s.text} Measured: ${effect(m[0], m[1])}.`, measured: true });
    else out.push({ ...s, rerun: rerun && base ? { variants: [base.name], ...rerun } : undefined });
  };

  if (base) {
    const pkgs = base.run?.cgoPackages;
    const known = pkgs !== undefined && pkgs.length > 0;
    const net = pkgs?.includes('net') ?? false;
    const user = pkgs?.includes('os/user') ?? false;
    const others = (pkgs ?? []).filter((p) => !REPLACEABLE.has(p));
    const othersText = others.length ? `${others.slice(0, 3).join(', ')}${others.length > 3 ? ` and ${others.length - 3} more` : ''}` : '';
    const keepsCgo = (why: string[]) => why.length ? ` cgo stays for ${why.join(' and ')}.` : ' That removes cgo from this program: no libc threads with 8 MiB stacks, no malloc arenas.';
    const withoutCgo = (tags: string[]) => (v: VariantReport) => hasTags(v, tags) && !usesCgo(v);

    // -tags netgo: net's cgo resolver is what brought cgo in (or, from a bare log, a netgo run measured it)
    const netgoRun = measuredBy((v) => hasTags(v, ['netgo']) && !hasTags(v, ['osusergo']));
    if (net || (!known && netgoRun)) {
      const text = known
        ? `\`-tags netgo\`: net brought cgo in (its libc resolver); the tag builds its pure-Go resolver instead.${keepsCgo([...(user ? ['os/user (see osusergo)'] : []), ...(othersText ? [othersText] : [])])}`
        : '`-tags netgo` builds net\'s pure-Go resolver instead of the libc one.';
      push({ remedy: 'netgo', text, measured: false }, netgoRun, { tags: ['netgo'] });
    }
    if (user) {
      push({ remedy: 'osusergo', text: `\`-tags osusergo\`: os/user brought cgo in (libc getpwuid); the tag reads /etc/passwd in Go instead.${keepsCgo([...(net ? ['net (see netgo)'] : []), ...(othersText ? [othersText] : [])])}`, measured: false },
        measuredBy((v) => hasTags(v, ['osusergo']) && !hasTags(v, ['netgo'])), { tags: ['osusergo'] });
    }
    if (net && user) {
      push({ remedy: 'netgo-osusergo', text: `\`-tags netgo,osusergo\`: net and os/user both brought cgo in, so both tags are needed.${keepsCgo(othersText ? [othersText] : [])}`, measured: false },
        measuredBy(withoutCgo(['netgo', 'osusergo'])), { tags: ['netgo', 'osusergo'] });
    }
    const pureRun = measuredBy((v) => envOf(v).CGO_ENABLED === '0');
    push({
      remedy: 'pure',
      text: others.length
        ? `\`CGO_ENABLED=0\` removes cgo entirely, but ${othersText} ${others.length === 1 ? 'has' : 'have'} cgo files, so the build may fail or lose what they do.`
        : `\`CGO_ENABLED=0\` removes cgo entirely: a static binary with no libc threads and no malloc arenas.`,
      measured: false,
    }, pureRun, { env: { CGO_ENABLED: '0' } });
    if (net || /cgo/.test(dnsResolver(base.run?.dns))) {
      push({ remedy: 'netdns-go', text: '`GODEBUG=netdns=go` keeps the build as it is but resolves names in Go at run time, so lookups start no libc threads.', measured: false },
        measuredBy((v) => /(^|,)netdns=go/.test(envOf(v).GODEBUG ?? '')), { env: { GODEBUG: 'netdns=go' } });
    }
  }

  const arenaRun = measuredBy((v) => envOf(v).MALLOC_ARENA_MAX !== undefined);
  const arenaHeavy = traced.filter((v) => count(mainProcess(v), 'malloc-arena') > 2 && envOf(v).MALLOC_ARENA_MAX === undefined);
  if (arenaRun || arenaHeavy.length) {
    const heavy = arenaHeavy[0];
    const n = heavy ? count(mainProcess(heavy), 'malloc-arena') : 0;
    const text = heavy
      ? `\`MALLOC_ARENA_MAX=2\` caps glibc's malloc arenas at 2 (${heavy.name} has ${n}, each a 64 MiB reservation).`
      : '`MALLOC_ARENA_MAX` caps glibc\'s malloc arenas, each a 64 MiB reservation.';
    if (arenaRun) out.push({ remedy: 'malloc-arena-max', text: `${text} Measured: ${effect(arenaRun[0], arenaRun[1])}.`, measured: true });
    else out.push({ remedy: 'malloc-arena-max', text: `${text} Re-run with it to measure.`, measured: false, rerun: { variants: [heavy.name], env: { MALLOC_ARENA_MAX: '2' } } });
  }

  // GOMAXPROCS bounds the Ps, so the threads running Go code (plus a few for syscalls and the runtime)
  const procsRun = measuredBy((v) => envOf(v).GOMAXPROCS !== undefined);
  const busy = traced.find((v) => mainProcess(v)!.isGo && mainProcess(v)!.threadsCreated >= 8 && envOf(v).GOMAXPROCS === undefined);
  if (procsRun || busy) {
    const p = busy && mainProcess(busy)!;
    const text = p
      ? `\`GOMAXPROCS=2\` bounds how many threads run Go code at once (${busy!.name} made ${p.threadsCreated} threads).`
      : '`GOMAXPROCS` bounds how many threads run Go code at once.';
    if (procsRun) out.push({ remedy: 'gomaxprocs', text: `${text} Measured: ${effect(procsRun[0], procsRun[1])}.`, measured: true });
    else out.push({ remedy: 'gomaxprocs', text: `${text} Re-run with it to measure.`, measured: false, rerun: { variants: [busy!.name], env: { GOMAXPROCS: '2' } } });
  }

  // a Go thread exits only when a goroutine locked to it ends without unlocking; libc threads may exit freely
  for (const v of traced) {
    const p = mainProcess(v)!;
    if (!p.isGo) continue;
    const gone = p.threads.filter((t) => t.how !== 'initial' && t.how !== 'pthread_create' && t.exitedLine !== undefined && t.exitedLine < p.measuredAt.line);
    if (!gone.length) continue;
    out.push({
      remedy: 'lock-os-thread',
      text: `${v.name}: ${plural(gone.length, 'Go thread')} exited while the program ran (${gone.slice(0, 3).map((t) => `tid ${t.tid}`).join(', ')}${gone.length > 3 ? ', …' : ''}), which Go does only when a goroutine that called \`runtime.LockOSThread\` ends without \`UnlockOSThread\`; the runtime then starts a new thread each time, so unlock it (\`defer runtime.UnlockOSThread()\`) unless the thread's state must not be reused.`,
      measured: true,
    });
    break;
  }
  return out;
}
