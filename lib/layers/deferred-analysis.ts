/**
 * Runs analyses the walk does not have to wait for (sparse analyzers: their result is a record of
 * their own, nothing later in the layer depends on it), one at a time, yielding to I/O between
 * them. The tar stream keeps flowing meanwhile, so scanning text for secrets fills the time the
 * walk would otherwise spend waiting for the inflate thread. Queued bytes are capped: past the
 * cap the walk waits, so memory stays bounded whatever the layer holds.
 */
export class DeferredAnalysis {
  private readonly tasks: Array<{ bytes: number; run: () => Promise<void> }> = [];
  private pendingBytes = 0;
  private running: Promise<void> | undefined;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly maxPendingBytes: number) {}

  /** Queues one analysis of `bytes` bytes; resolves when the walk may move on. */
  add(bytes: number, run: () => Promise<void>): Promise<void> {
    this.tasks.push({ bytes, run });
    this.pendingBytes += bytes;
    this.running ??= this.drain();
    if (this.pendingBytes <= this.maxPendingBytes) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once every queued analysis has finished. */
  async settle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      for (let task = this.tasks.shift(); task; task = this.tasks.shift()) {
        // Let pending I/O (inflated chunks, tar entries) run first.
        await new Promise<void>((resolve) => setImmediate(resolve));
        // Tasks report their own failures; one that throws must not stop the others.
        await task.run().catch(() => {});
        this.pendingBytes -= task.bytes;
        if (this.pendingBytes <= this.maxPendingBytes) this.wake();
      }
    } finally {
      this.running = undefined;
      this.wake();
    }
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
