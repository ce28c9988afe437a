// The owner of registrations and listeners (vscode-hexeditor's pattern): whatever is _register()ed is
// disposed with its owner, in reverse order, exactly once.
import type * as vscode from 'vscode';

export class Disposable implements vscode.Disposable {
  private readonly owned: vscode.Disposable[] = [];
  private disposed = false;

  protected _register<T extends vscode.Disposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.owned.push(d);
    return d;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    while (this.owned.length) {
      try {
        this.owned.pop()!.dispose();
      } catch {
        // one failing disposable must not keep the others alive
      }
    }
  }
}
