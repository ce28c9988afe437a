// Run by run.test.ts under an outer `strace -f`: the inner strace's PTRACE_TRACEME is then refused by the
// kernel, which is how a real refusal (nested tracing) looks. Prints the outcome as one JSON line.
import { traceProgram } from '../../../src/core/run/trace';
import { ToolError } from '../../../src/core/run/tools';

async function main(): Promise<void> {
  const [strace, logFile] = process.argv.slice(2);
  try {
    await traceProgram({ strace: { path: strace, why: 'test' }, binary: '/bin/true', cwd: '/', logFile, mode: 'full' });
    console.log(JSON.stringify({ ok: true }));
  } catch (err) {
    const e = err as Error;
    console.log(JSON.stringify({ ok: false, name: e.name, isToolError: err instanceof ToolError, message: e.message, fix: (err as ToolError).fix }));
  }
}

void main();
