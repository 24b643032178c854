// What a job costs before it runs, on the largest fixture: decoding and validation (both
// engines), then what the native engine adds on a cache miss (instrumentation, encoding,
// V8 compilation of the instrumented module), next to V8 compiling the original module.
// The first pass runs the stages in pipeline order on a process that has not run them
// yet (cold JIT, as in a CLI run); warm repeats follow.

import type { Fixture } from '../test/support/fixtures.js';
import { decodeModule } from '../vm/binary/decode.js';
import { encodeModule } from '../vm/binary/encode.js';
import { instrumentJob } from '../vm/native/instrument.js';
import { withDefaults } from '../vm/run.js';
import type { Module } from '../vm/syntax/types.js';
import { validateModule, type ModuleInfo } from '../vm/valid/validate.js';
import { minimum, timed } from './stats.js';

export interface StageTiming {
  stage: string;
  firstMs: number;
  /** Best of the warm repeats. */
  bestMs: number;
}

export interface LoadBench {
  fixture: string;
  wasmBytes: number;
  stages: StageTiming[];
}

/** The fixture with the largest module. */
export function largestFixture(fixtures: readonly Fixture[]): Fixture {
  return fixtures.reduce((a, b) => (b.wasm.length > a.wasm.length ? b : a));
}

/** Each stage's input, filled in by the stages before it. */
interface Pipeline {
  module?: Module;
  info?: ModuleInfo;
  instrumented?: Module;
  encoded?: Uint8Array<ArrayBuffer>;
}

export async function benchLoad(fixture: Fixture, runs: number): Promise<LoadBench> {
  const wasm = fixture.wasm;
  const limits = withDefaults();
  const p: Pipeline = {};
  const stages: [string, () => unknown][] = [
    ['decode', () => (p.module = decodeModule(wasm))],
    ['validate', () => (p.info = validateModule(p.module!))],
    ['native: instrument', () => (p.instrumented = instrumentJob(p.module!, p.info!, limits).module)],
    ['native: encode', () => (p.encoded = encodeModule(p.instrumented!))],
    ['native: V8 compile (instrumented)', () => WebAssembly.compile(p.encoded!.slice())],
    ['V8 compile (original, baseline)', () => WebAssembly.compile(new Uint8Array(wasm))],
  ];
  const samples = stages.map((): number[] => []);
  for (let i = 0; i < runs; i++) {
    for (const [s, [, fn]] of stages.entries()) samples[s].push((await timed(fn)).ms);
  }
  const timings = stages.map(([stage], s): StageTiming => ({
    stage,
    firstMs: samples[s][0],
    bestMs: minimum(samples[s].length > 1 ? samples[s].slice(1) : samples[s]),
  }));
  const [decode, validate] = timings;
  timings.splice(2, 0, {
    stage: 'decode + validate',
    firstMs: decode.firstMs + validate.firstMs,
    bestMs: decode.bestMs + validate.bestMs,
  });
  return { fixture: fixture.name, wasmBytes: wasm.length, stages: timings };
}
