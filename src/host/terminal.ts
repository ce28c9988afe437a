// One VS Code terminal per traced run, fed by the program's pseudo-terminal: the user sees its output live
// and what they type goes to it. Output that arrives before VS Code opens the terminal is kept, not lost.
import * as vscode from 'vscode';
import type { TraceIo } from '../core/run/trace';

const MAX_EARLY = 1024 * 1024;

export class TraceTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private opened = false;
  private early: string[] = [];
  private earlyBytes = 0;
  private io: TraceIo | undefined;
  private dims: vscode.TerminalDimensions | undefined;
  private finished = false;
  readonly terminal: vscode.Terminal;

  /**
   * bareLf: output comes through pipes (no node-pty), so line ends need a CR; onUserClose: the user closed
   * it while the program ran; onClosed: it is gone, however it was closed.
   */
  constructor(readonly title: string, private readonly bareLf: boolean, private readonly onUserClose: () => void, private readonly onClosed: () => void) {
    this.terminal = vscode.window.createTerminal({ name: title, pty: this, iconPath: new vscode.ThemeIcon('pulse'), isTransient: true });
  }

  attach(io: TraceIo): void {
    this.io = io;
    if (this.dims) io.resize(this.dims.columns, this.dims.rows);
  }

  /** Program output; a pty already sends CRLF, pipes send bare LF, which a terminal shows as a staircase. */
  write(data: string): void {
    this.emit(this.bareLf ? data.replace(/\r?\n/g, '\r\n') : data);
  }

  private emit(text: string): void {
    if (!this.opened) {
      if (this.earlyBytes < MAX_EARLY) {
        this.early.push(text);
        this.earlyBytes += text.length;
      }
      return;
    }
    this.writeEmitter.fire(text);
  }

  /** A line from Go Memory Lens itself, dimmed so it stands apart from the program's output. */
  note(line: string): void {
    this.emit(`\x1b[2m${line.replace(/\r?\n/g, '\r\n')}\x1b[0m\r\n`);
  }

  finish(summary: string): void {
    this.finished = true;
    this.io = undefined;
    this.note(summary);
  }

  open(dims: vscode.TerminalDimensions | undefined): void {
    this.opened = true;
    this.dims = dims;
    if (dims && this.io) this.io.resize(dims.columns, dims.rows);
    for (const t of this.early) this.writeEmitter.fire(t);
    this.early = [];
  }

  setDimensions(dims: vscode.TerminalDimensions): void {
    this.dims = dims;
    this.io?.resize(dims.columns, dims.rows);
  }

  handleInput(data: string): void {
    // through pipes there is no line discipline to turn Ctrl-D into end of input: close the program's stdin
    if (this.bareLf && data === '\x04') this.io?.end();
    else this.io?.write(data);
  }

  get isFinished(): boolean {
    return this.finished;
  }

  close(): void {
    if (!this.finished) this.onUserClose();
    this.onClosed();
    this.dispose();
  }

  dispose(): void {
    this.writeEmitter.dispose();
    this.closeEmitter.dispose();
  }
}
