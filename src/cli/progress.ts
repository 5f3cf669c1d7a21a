// A single-line progress bar on a terminal: the fraction of simulated time done, redrawn in place
// with `\r`, at most ~10 times a second, and wiped when the run ends so stdout output stays clean.

export interface ProgressStream {
  write(chunk: string): unknown;
  columns?: number;
}

export interface ProgressBar {
  /** Report progress in [0, 1]; draws if the last draw is older than the throttle interval. */
  update(fraction: number): void;
  /** Erases the bar for a line of other output; the next update draws it again. */
  clear(): void;
  /** Erases the bar (if it was ever drawn). Idempotent. */
  finish(): void;
}

export interface ProgressOptions {
  /** Minimum time between redraws (default 100 ms ≈ 10 Hz). */
  minIntervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  label?: string;
}

export function renderProgressLine(fraction: number, columns: number, label = 'dynosim'): string {
  const f = Number.isFinite(fraction) ? Math.min(Math.max(fraction, 0), 1) : 0;
  const pct = `${(f * 100).toFixed(1).padStart(5)}%`;
  const suffix = ' simulated';
  const fixed = label.length + 3 + 1 + pct.length + suffix.length; // "label [" + "] " + pct + suffix
  const width = Math.max(10, Math.min(50, columns - 1 - fixed));
  const filled = Math.round(f * width);
  const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
  return `${label} [${bar}] ${pct}${suffix}`;
}

export function createProgressBar(stream: ProgressStream, options: ProgressOptions = {}): ProgressBar {
  const interval = options.minIntervalMs ?? 100;
  const now = options.now ?? (() => Date.now());
  const label = options.label ?? 'dynosim';
  let lastDraw = -Infinity;
  let drawnWidth = 0;
  let finished = false;
  return {
    update(fraction: number) {
      if (finished) return;
      const t = now();
      if (t - lastDraw < interval) return;
      lastDraw = t;
      const line = renderProgressLine(fraction, stream.columns ?? 80, label);
      stream.write(`\r${line}`);
      drawnWidth = Math.max(drawnWidth, line.length);
    },
    clear() {
      if (drawnWidth > 0) stream.write(`\r${' '.repeat(drawnWidth)}\r`);
      drawnWidth = 0;
      lastDraw = -Infinity;
    },
    finish() {
      if (finished) return;
      finished = true;
      this.clear();
    },
  };
}
