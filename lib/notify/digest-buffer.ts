import type { ImageChange } from "./image-change.js";

/** Changes held for a digest destination until their window closes. */
export interface DigestBuffer {
  add(destination: string, windowStart: Date, change: ImageChange): Promise<void>;
  /** The destination's held windows that started before `before`, each with its changes. */
  due(destination: string, before: Date): Promise<Array<{ windowStart: Date; changes: ImageChange[] }>>;
  /** Forgets a window once its digest was sent or dead-lettered. */
  remove(destination: string, windowStart: Date): Promise<void>;
}

/** For tests and `portcullis watch`: held in memory. */
export class InMemoryDigestBuffer implements DigestBuffer {
  private readonly windows = new Map<
    string,
    { destination: string; windowStart: Date; changes: ImageChange[] }
  >();

  async add(destination: string, windowStart: Date, change: ImageChange): Promise<void> {
    const key = `${destination}\n${windowStart.toISOString()}`;
    const window = this.windows.get(key) ?? { destination, windowStart, changes: [] };
    window.changes.push(change);
    this.windows.set(key, window);
  }

  async due(
    destination: string,
    before: Date,
  ): Promise<Array<{ windowStart: Date; changes: ImageChange[] }>> {
    return [...this.windows.values()].filter(
      (w) => w.destination === destination && w.windowStart.getTime() < before.getTime(),
    );
  }

  async remove(destination: string, windowStart: Date): Promise<void> {
    this.windows.delete(`${destination}\n${windowStart.toISOString()}`);
  }
}
