// How each category of the address space is named and added up in words. No Node imports: the webview
// bundles this too.
import { formatMiB, formatSize as formatBytes } from '../format';
import type { CategoryKind, ProcessReport } from '../../protocol/report';

const LABEL: Record<CategoryKind, string> = {
  'thread-stack': 'thread stacks',
  'guard-page': 'guard pages',
  'malloc-arena': 'malloc arenas',
  'go-heap': 'Go heap arenas',
  'go-runtime': 'other Go runtime',
  'shared-library': 'shared libraries',
  executable: 'executable image',
  file: 'file mappings',
  'brk-heap': 'brk heap',
  'stack-vdso': 'stack + vDSO',
  other: 'other',
};

export function categoryLabel(k: CategoryKind): string {
  return LABEL[k];
}

/** The seed's napkin math, from this process's own numbers: "5 thread stacks × 8 MiB = 40 MiB", … */
export function napkinMath(p: ProcessReport): string[] {
  const lines: string[] = [];
  const order: CategoryKind[] = ['thread-stack', 'guard-page', 'malloc-arena', 'go-heap', 'go-runtime', 'shared-library', 'executable', 'brk-heap', 'file', 'stack-vdso', 'other'];
  let total = 0;
  for (const k of order) {
    const c = p.categories[k];
    if (!c || c.bytes === 0) continue;
    total += c.bytes;
    // "N × size" only where every item has the same size by construction (glibc's stacks, guards, arenas)
    const uniform = k === 'thread-stack' || k === 'guard-page' || k === 'malloc-arena';
    const each = uniform && c.count > 0 && c.bytes % c.count === 0 ? c.bytes / c.count : undefined;
    const est = p.unseen.some((u) => u.kind === k && u.estimate && u.bytes > 0) ? ' (partly estimated)' : '';
    lines.push(each !== undefined && c.count > 1
      ? `${c.count} ${LABEL[k]} × ${formatBytes(each)} = ${formatBytes(c.bytes)}${est}`
      : `${LABEL[k]}: ${c.count > 1 ? `${c.count} totalling ` : ''}${formatBytes(c.bytes)}${est}`);
  }
  lines.push(`total ${formatMiB(total)} virtual${p.kernel ? `; the kernel says ${formatMiB(p.kernel.vmSize)} (VmSize)` : ''}`);
  const unknown = p.unseen.filter((u) => u.bytes === 0);
  if (unknown.length) lines.push(`not counted: ${unknown.map((u) => u.why).join(' ')}`);
  return lines;
}
