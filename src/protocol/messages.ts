// Every message between the extension host and the report webview, as discriminated unions in each
// direction. The host sends data only after the webview says `ready`; anything from the webview is checked
// with isWebviewMessage before it is acted on.
import type { Report } from './report';

/** What the webview keeps in getState/setState, so a reloaded window can bring the same report back. */
export interface PanelState {
  reportId: string;
}

export type HostMessage =
  /** location: the package or log as the user knows it (relative to the workspace when inside it) */
  | { type: 'report'; reportId: string; report: Report; location?: string }
  | { type: 'running'; message: string }
  | { type: 'failed'; message: string; fix?: string };

export type WebviewMessage =
  | { type: 'ready'; state?: PanelState }
  | { type: 'rerun' };

export function assertNever(x: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(x)}`);
}

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** Messages from the webview are untrusted input: accept only the exact shapes above. */
export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (typeof m !== 'object' || m === null) return false;
  const o = m as Record<string, unknown>;
  const keys = Object.keys(o);
  switch (o.type) {
    case 'ready':
      if (o.state === undefined) return keys.length === 1;
      return keys.length === 2 && isPanelState(o.state);
    case 'rerun':
      return keys.length === 1;
    default:
      return false;
  }
}

export function isPanelState(s: unknown): s is PanelState {
  if (typeof s !== 'object' || s === null) return false;
  const o = s as Record<string, unknown>;
  return typeof o.reportId === 'string' && ID_RE.test(o.reportId);
}
