// The speed targets of the issue, judged from one run's figures. Every ratio divides by
// V8 (node:wasi) measured in the same run on the same module and input.

import type { FixtureBench } from './fixture-bench.js';
import { formatMs, formatRatio } from './format.js';
import { geometricMean } from './stats.js';
import type { StartupRow } from './startup-bench.js';
import type { SustainedBench } from './sustained-bench.js';

export const INTERP_MAX_RATIO = 20;
export const NATIVE_MAX_RATIO = 1.5;
export const STARTUP_MAX_MS = 300;
/** Below this, a fixture's time is mostly setup and I/O, not instructions. */
export const CPU_BOUND_MIN_STEPS = 1_000_000;

export interface Verdict {
  target: string;
  /** null when this run measured nothing the target applies to (e.g. --only). */
  met: boolean | null;
  detail: string;
}

/** Whole warm runs on both sides (instance setup included). */
export function interpRatio(f: FixtureBench): number {
  return f.interp.ms / f.v8.totalMs;
}

export function nativeRatio(f: { native: { warmMs: number }; v8: { totalMs: number } }): number {
  return f.native.warmMs / f.v8.totalMs;
}

/** Against V8's run alone, without its instance setup: the strictest reading for native. */
export function nativeRatioToBareRun(f: FixtureBench): number {
  return f.native.warmMs / f.v8.runMs;
}

export function isCpuBound(f: FixtureBench): boolean {
  return f.steps >= CPU_BOUND_MIN_STEPS;
}

interface Named {
  name: string;
  ratio: number;
}

/** "3/4 within 1.5x; worst x 2.1x, best ..., geometric mean ..." */
function ratioSummary(items: readonly Named[], limit: number): { within: boolean; text: string } {
  const ratios = items.map((i) => i.ratio);
  const worst = items[ratios.indexOf(Math.max(...ratios))];
  const count = ratios.filter((r) => r <= limit).length;
  return {
    within: count === items.length,
    text: `${count}/${items.length} within; worst ${worst.name} ${formatRatio(worst.ratio)}, ` +
      `best ${formatRatio(Math.min(...ratios))}, geometric mean ${formatRatio(geometricMean(ratios))}`,
  };
}

/**
 * Runs whose results were wrong (their `problems`) are left out: their timings measure
 * something other than the job. The verdict says how many were left out.
 */
export function judgeTargets(
  fixtures: readonly FixtureBench[],
  sustained: readonly SustainedBench[],
  verityRun: StartupRow | undefined,
): Verdict[] {
  const isRight = (r: { problems: readonly string[] }): boolean => r.problems.length === 0;
  const right = fixtures.filter(isRight);
  const rightSustained = sustained.filter(isRight);
  const wrong = [
    ...fixtures.filter((f) => !isRight(f)).map((f) => f.name),
    ...sustained.filter((s) => !isRight(s)).map((s) => s.label),
  ];
  const note = wrong.length === 0 ? '' : `; left out for wrong results: ${wrong.join(', ')}`;
  const withNote = (v: Verdict): Verdict => ({ ...v, detail: v.detail + note });
  return [withNote(interpVerdict(right)), withNote(nativeVerdict(right, rightSustained)), startupVerdict(verityRun)];
}

function interpVerdict(fixtures: readonly FixtureBench[]): Verdict {
  const target = `interpreter within ${INTERP_MAX_RATIO}x of V8 (CPU-bound fixtures)`;
  const cpuBound = fixtures.filter(isCpuBound).map((f) => ({ name: f.name, ratio: interpRatio(f) }));
  if (cpuBound.length === 0) return { target, met: null, detail: 'no CPU-bound fixture measured in this run' };
  const summary = ratioSummary(cpuBound, INTERP_MAX_RATIO);
  return { target, met: summary.within, detail: `fixtures: ${summary.text}` };
}

/** Met only if it holds both on the committed fixtures and on the sustained runs. */
function nativeVerdict(fixtures: readonly FixtureBench[], sustained: readonly SustainedBench[]): Verdict {
  const target = `native within ${NATIVE_MAX_RATIO}x of V8 (CPU-bound fixtures and sustained runs)`;
  const cpuBound = fixtures.filter(isCpuBound);
  const finished = cpuBound.filter((f) => f.native.fallback === null);
  const fallbacks = cpuBound.filter((f) => f.native.fallback !== null);
  const long = sustained.filter((s) => s.native.fallback === null);
  const parts: string[] = [];
  let met: boolean | null = null;
  if (finished.length > 0) {
    const summary = ratioSummary(finished.map((f) => ({ name: f.name, ratio: nativeRatio(f) })), NATIVE_MAX_RATIO);
    const strict = finished.map(nativeRatioToBareRun);
    parts.push(`fixtures (whole runs): ${summary.text}; against V8's bare run without its setup: ` +
      `worst ${formatRatio(Math.max(...strict))}, geometric mean ${formatRatio(geometricMean(strict))}`);
    met = summary.within;
  }
  if (long.length > 0) {
    const summary = ratioSummary(long.map((s) => ({ name: s.label, ratio: nativeRatio(s) })), NATIVE_MAX_RATIO);
    parts.push(`sustained runs: ${summary.text}`);
    met = (met ?? true) && summary.within;
  }
  if (fallbacks.length > 0) {
    parts.push(`not counted: ${fallbacks.map((f) =>
      `${f.name} (falls back to the interpreter on ${f.native.fallback}, ${formatRatio(nativeRatio(f))})`).join(', ')}`);
  }
  if (sustained.some((s) => s.native.fallback !== null)) {
    parts.push('a sustained run fell back to the interpreter');
    met = false;
  }
  return { target, met, detail: parts.length === 0 ? 'no CPU-bound run measured' : parts.join('; ') };
}

function startupVerdict(row: StartupRow | undefined): Verdict {
  const target = `\`verity run\` of a small module under ${STARTUP_MAX_MS} ms`;
  if (row === undefined) return { target, met: null, detail: 'not measured' };
  return {
    target,
    met: row.medianMs < STARTUP_MAX_MS,
    detail: `${row.label}: median ${formatMs(row.medianMs)} ms, min ${formatMs(row.minMs)} ms (whole process)`,
  };
}
