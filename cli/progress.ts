// Progress of long commands (trace, prove) on stderr: one line, rewritten in place, at
// most four times a second; only when stderr is a terminal or --progress asked for it,
// so that scripts reading stderr see only errors.

/**
 * Reports how far a long pass got, on stderr, rewriting one line; only when stderr is
 * a terminal or progress was asked for. Returns the callback and a function that ends the line.
 */
export function progressReporter(enabled: boolean, what: string): { onProgress?: (steps: number) => void; done: () => void } {
  if (!enabled) return { done: () => {} };
  let last = 0;
  let shown = false;
  return {
    onProgress: (steps: number) => {
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      shown = true;
      process.stderr.write(`\r${what}: ${steps.toLocaleString('en-US')} steps`);
    },
    done: () => {
      if (shown) process.stderr.write('\n');
    },
  };
}
