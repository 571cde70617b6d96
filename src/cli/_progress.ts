import cliProgress from "cli-progress";

/** What a long-running command reports as it goes. */
export interface ProgressState {
  variants: number;
  bytesRead: number;
  totalBytes: number | undefined;
}

/**
 * Progress on stderr: a bar (variants, variants/s, RSS, ETA from bytes read) on a TTY,
 * a plain line every few seconds otherwise, nothing with `quiet`.
 */
export class Progress {
  private readonly started = Date.now();
  private bar: cliProgress.SingleBar | undefined;
  private lastLine = 0;
  private readonly quiet: boolean;
  private readonly label: string;

  constructor(label: string, options: { quiet?: boolean; totalBytes?: number | undefined } = {}) {
    this.quiet = options.quiet ?? false;
    this.label = label;
    if (!this.quiet && process.stderr.isTTY && options.totalBytes) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `${label} [{bar}] {percentage}% | {variants} variants | {rate}/s | RSS {rss} MB | ETA {eta_formatted}`,
          stream: process.stderr,
          hideCursor: true,
          etaBuffer: 50,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(options.totalBytes, 0, { variants: 0, rate: 0, rss: 0 });
    }
  }

  update(s: ProgressState): void {
    if (this.quiet) return;
    const secs = (Date.now() - this.started) / 1000;
    const rate = secs > 0 ? Math.round(s.variants / secs) : 0;
    const rss = Math.round(process.memoryUsage.rss() / 1048576);
    if (this.bar) {
      this.bar.update(Math.min(s.bytesRead, s.totalBytes ?? s.bytesRead), { variants: s.variants, rate, rss });
      return;
    }
    const now = Date.now();
    if (now - this.lastLine < 5000) return;
    this.lastLine = now;
    const pct = s.totalBytes ? ` (${((100 * s.bytesRead) / s.totalBytes).toFixed(1)}% of input)` : "";
    process.stderr.write(`${this.label}: ${s.variants} variants${pct}, ${rate}/s, RSS ${rss} MB\n`);
  }

  stop(): void {
    this.bar?.stop();
  }
}
