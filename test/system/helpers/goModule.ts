// A one-file Go module for the system tests: DIR/NAME/{go.mod,main.go}.
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

export async function writeModule(dir: string, name: string, main: string): Promise<string> {
  const pkg = path.join(dir, name);
  await fsp.mkdir(pkg, { recursive: true });
  await fsp.writeFile(path.join(pkg, 'go.mod'), `module example.com/${name}\n\ngo 1.19\n`);
  await fsp.writeFile(path.join(pkg, 'main.go'), main);
  return pkg;
}
