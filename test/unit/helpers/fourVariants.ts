// A four-variant investigation of the net sample from real logs (default, pure, netgo, and a netcgo run
// killed at the timeout with a long partial note), fixed in time and version so its exports can be golden.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeLog } from '../../../src/core/analyze';
import { makeReport } from '../../../src/core/investigate';
import type { Report, RunReport, VariantReport } from '../../../src/protocol/report';

const LOGS = path.join(__dirname, '..', '..', 'fixtures', 'logs');

async function variant(name: string, base: string, run: Partial<RunReport>): Promise<VariantReport> {
  const kernel = JSON.parse(readFileSync(path.join(LOGS, `${base}.proc.json`), 'utf8'));
  const v = await analyzeLog(path.join(LOGS, `${base}.strace`), { name, kernel });
  return { ...v, run: { variant: name, goVersion: 'go1.23.4', exitCode: 0, output: '', ...run } };
}

/** The long note a run killed at the timeout carries (the reasons investigate.ts gives, and a cut log's). */
export const LONG_PARTIAL = [
  'the program did not exit within 30 s and was killed',
  'the log ends before process 4242 exits, so the figures are those at its last line and not at exit_group',
];

export async function fourVariantReport(): Promise<Report> {
  const cgo = { linkage: 'dynamic' as const, cgoPackages: ['net', 'runtime/cgo'], binarySize: 2_312_192, dns: 'go package net: hostLookupOrder(localhost) = cgo' };
  const pure = { linkage: 'static' as const, binarySize: 2_195_456, dns: 'go package net: hostLookupOrder(localhost) = files,dns' };
  const vs = [
    await variant('default', 'net-default-go1.23', cgo),
    await variant('pure', 'net-pure-go1.23', { ...pure, env: { CGO_ENABLED: '0' } }),
    await variant('netgo', 'net-netgo-go1.23', { ...pure, tags: ['netgo'] }),
    await variant('netcgo', 'net-default-go1.23', { ...cgo, tags: ['netcgo'], exitCode: null, signal: 'SIGKILL', timedOut: true, output: 'resolving localhost\n' }),
  ];
  vs[3] = { ...vs[3], partial: true, partialReasons: [...LONG_PARTIAL] };
  const report = makeReport('investigation', vs, 'samples/net');
  report.createdAt = '2026-01-02T03:04:05.000Z';
  report.tool = { ...report.tool, version: '0.0.0-test' };
  return report;
}
