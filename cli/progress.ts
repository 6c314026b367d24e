import { formatBytes } from "../lib/report/table-writer.js";
import type { ScanProgress } from "../lib/scan.js";

/**
 * A one-line progress bar on stderr while layers download and are analysed. Only on a TTY:
 * CI logs and pipes stay clean.
 */
export class ProgressBar {
  private total = 0;
  private done = 0;
  private layersTotal = 0;
  private layersDone = 0;
  private lastDraw = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  static forStderr(): ProgressBar | undefined {
    return process.stderr.isTTY ? new ProgressBar(process.stderr) : undefined;
  }

  readonly onProgress = (event: ScanProgress): void => {
    switch (event.kind) {
      case "resolved":
        this.layersTotal = event.layers.length;
        this.total = event.layers.reduce((n, l) => n + l.size, 0);
        break;
      case "layer-bytes":
        this.done += event.bytes;
        break;
      case "layer-done":
        this.layersDone += 1;
        break;
    }
    this.draw(event.kind !== "layer-bytes");
  };

  finish(): void {
    if (this.lastDraw > 0) this.stream.write("\r\u001b[2K");
  }

  private draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 30;
    const ratio = this.total > 0 ? Math.min(1, this.done / this.total) : 0;
    const filled = Math.round(ratio * width);
    const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
    const text = `${bar} layers ${this.layersDone}/${this.layersTotal}  ${formatBytes(this.done)}/${formatBytes(this.total)}`;
    this.stream.write(`\r\u001b[2K${text}`);
  }
}
