// Writes the standalone HTML report: the panel's own bundle and styles, inlined, with the report as data.
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Report } from '../../protocol/report';
import { writeOutput } from '../inputs';
import { standaloneHtml } from './exports';

/** dist/ holds webview.js and uplot.css, media/ the stylesheets; from the bundles (dist/*.js) or from source. */
export function assetDirs(): { dist: string; media: string } {
  for (const dist of [__dirname, path.resolve(__dirname, '..', '..', '..', 'dist')]) {
    if (existsSync(path.join(dist, 'webview.js'))) return { dist, media: path.resolve(dist, '..', 'media') };
  }
  throw new Error('the report page (dist/webview.js) is not built: run `npm run build`');
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('base64');

export async function renderStandaloneHtml(report: Report): Promise<string> {
  const { dist, media } = assetDirs();
  const [script, ...styles] = await Promise.all([
    fsp.readFile(path.join(dist, 'webview.js'), 'utf8'),
    fsp.readFile(path.join(dist, 'uplot.css'), 'utf8'),
    fsp.readFile(path.join(media, 'panel.css'), 'utf8'),
    fsp.readFile(path.join(media, 'standalone.css'), 'utf8'),
  ]);
  const name = (report.package ?? report.variants[0]?.name ?? 'report').split('/').filter(Boolean).pop();
  return standaloneHtml(report, { script, styles, scriptHash: sha256(script), styleHashes: styles.map(sha256) }, `Go Memory Lens: ${name}`);
}

export async function writeStandaloneHtml(report: Report, file: string): Promise<void> {
  await writeOutput(file, 'the HTML report', await renderStandaloneHtml(report));
}
