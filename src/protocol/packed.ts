// The packed form of a report (built and read by core/report/packed.ts): what the standalone HTML file
// embeds and what the host posts to the report webview.
import type { Report } from './report';

export const PACKED_FORMAT = 'go-memory-lens-packed-1';

export interface PackedEvents {
  n: number;
  /** per event, which optional fields it has (bits in OPTIONAL order) */
  mask: number[];
  /** deltas from the previous event (line) or from the previous event that has the field (time) */
  line: number[];
  time: number[];
  /** indexes into ids */
  tid: number[];
  pid: number[];
  /** indexes into strings; op and note for every event, the optional ones for the events that have them */
  op: number[];
  note: number[];
  address: number[];
  prot: number[];
  flags: number[];
  kind: number[];
  size: number[];
  vsizeAfter: number[];
  child: number[];
  /** per event that has one: indexes into strings */
  stack: number[][];
}

export interface PackedTimeline {
  n: number;
  /** deltas from the previous point */
  t: number[];
  line: number[];
  vsize: number[];
  reserved: number[];
}

export interface PackedVariant {
  strings: string[];
  ids: number[];
  events: PackedEvents;
  timeline: PackedTimeline;
}

export interface PackedReport {
  format: typeof PACKED_FORMAT;
  /** the report with every packed variant's events and timeline left empty */
  report: Report;
  /** per variant: its columns, or null when it is left in `report` as it is */
  variants: Array<PackedVariant | null>;
}
