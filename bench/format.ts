// Number formatting and Markdown tables: the bench prints tables that paste straight into
// docs/benchmarks.md.

/** Milliseconds with about three significant digits. */
export function formatMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

/** A signed difference in milliseconds: +12.3, -4.52. */
export function formatDelta(ms: number): string {
  return (ms < 0 ? '-' : '+') + formatMs(Math.abs(ms));
}

/** An integer with thousands separators: 103,237,035. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Steps per second, in millions. */
export function formatRate(steps: number, ms: number): string {
  if (ms <= 0) return '-';
  const millionsPerSecond = steps / ms / 1000;
  return millionsPerSecond >= 100 ? millionsPerSecond.toFixed(0) : millionsPerSecond.toFixed(1);
}

export function formatRatio(ratio: number): string {
  return ratio >= 100 ? `${ratio.toFixed(0)}x` : ratio >= 10 ? `${ratio.toFixed(1)}x` : `${ratio.toFixed(2)}x`;
}

/**
 * A Markdown table; every column but the first `textColumns` (1 unless given) is
 * right-aligned (they hold numbers).
 */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], textColumns = 1): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string =>
    '| ' + cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (i < textColumns ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|') + '|';
  return [line(headers), rule, ...rows.map(line)].join('\n');
}
