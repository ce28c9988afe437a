// The Go workspace the VS Code tests open: copies of the bundled samples plus small programs for the
// paths that must fail cleanly (a build error, a program that never exits, a library package).
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO } from './codeServer';

const GO_MOD = (name: string) => `module example.com/${name}\n\ngo 1.21\n`;

/**
 * stacks: trace with strace -k (the e2e test follows a stack frame to its source);
 * variants: the goMemoryLens.variants setting (the e2e test adds a custom variant with its own env)
 */
export function makeWorkspace(dir: string, opts: { stacks?: boolean; variants?: unknown[] } = {}): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const s of ['net', 'cgo']) cpSync(path.join(REPO, 'samples', s), path.join(dir, s), { recursive: true });
  const files: Record<string, string> = {
    'broken/go.mod': GO_MOD('broken'),
    'broken/main.go': 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("before")\n\tnotDefinedAnywhere()\n}\n',
    'hang/go.mod': GO_MOD('hang'),
    'hang/main.go': 'package main\n\nimport (\n\t"fmt"\n\t"time"\n)\n\n// Never exits by itself: the tests cancel it.\nfunc main() {\n\tfmt.Println("waiting forever")\n\tfor {\n\t\ttime.Sleep(time.Second)\n\t}\n}\n',
    // a module whose program is in cmd/*: Investigate on its root offers the programs under it
    'mod/go.mod': GO_MOD('mod'),
    'mod/cmd/hello/main.go': 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello from cmd/hello")\n}\n',
    'mod/internal/greet/greet.go': 'package greet\n\nfunc Hello() string { return "hello" }\n',
    // reads a line from stdin: its variants are traced one at a time, each waiting in its terminal
    'ask/go.mod': GO_MOD('ask'),
    'ask/main.go': 'package main\n\nimport (\n\t"bufio"\n\t"fmt"\n\t"os"\n)\n\nfunc main() {\n\tfmt.Print("name? ")\n\ts, _ := bufio.NewReader(os.Stdin).ReadString(\'\\n\')\n\tfmt.Printf("got %s", s)\n}\n',
    'lib/go.mod': GO_MOD('lib'),
    'lib/lib.go': 'package lib\n\n// Not a program: no lens here even with a func main.\nfunc main() {}\n',
    'net/main_test.go': 'package main\n\nimport "testing"\n\nfunc TestNothing(t *testing.T) {}\n\nfunc main() {}\n',
    '.vscode/settings.json': JSON.stringify({
      'goMemoryLens.timeoutSeconds': 60,
      ...(opts.stacks ? { 'goMemoryLens.stacks': true } : {}),
      ...(opts.variants ? { 'goMemoryLens.variants': opts.variants } : {}),
      'files.autoSave': 'off',
      'workbench.startupEditor': 'none',
      'workbench.colorTheme': 'Default Dark Modern',
      'workbench.tips.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'git.openRepositoryInParentFolders': 'never',
    }, null, 2),
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  cpSync(path.join(REPO, 'test', 'fixtures', 'logs', 'cgo-default-go1.23.strace'), path.join(dir, 'logs', 'cgo.strace'));
  // no extension: the strace language is recognized by the first line alone
  cpSync(path.join(REPO, 'test', 'fixtures', 'logs', 'native-default-go1.23.strace'), path.join(dir, 'logs', 'native-trace'));
  return dir;
}
