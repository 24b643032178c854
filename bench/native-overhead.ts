// What the native engine's instrumentation costs: each fixture run on V8 as compiled
// (the same WASI host, no counting) and through the native engine (instrumented), best of
// several measurements after a warm-up so both sides run optimized code. Compilation is
// excluded; instantiation and the host are included on both sides.
//
//   npm run build && node dist/bench/native-overhead.js [fixture...]   (default: loop nn_int8)

import { DEFAULT_LIMITS } from '../vm/exec/limits.js';
import { HostOutcome, HostState, WASI_MODULE, findWasiFunction, runWasiCall, type JobIO } from '../vm/host/wasi.js';
import { I64 } from '../vm/syntax/types.js';
import { jobIO, loadJob } from '../vm/job.js';
import { attemptNative } from '../vm/native/engine.js';
import { loadFixture } from '../test/support/fixtures.js';

const RUNS = 15;

class Exit extends Error {}

/** The job on V8 as compiled: the shared WASI host, nothing counted. */
async function runUninstrumented(module: WebAssembly.Module, io: JobIO): Promise<void> {
  const host = new HostState(io);
  let memory: WebAssembly.Memory | null = null;
  const imports: Record<string, (...params: (number | bigint)[]) => number> = {};
  for (const im of WebAssembly.Module.imports(module)) {
    const f = findWasiFunction(im.name);
    if (im.module !== WASI_MODULE || f === undefined) throw new Error(`unexpected import ${im.module}.${im.name}`);
    imports[im.name] = (...params) => {
      const args = new Int32Array(2 * params.length);
      params.forEach((v, j) => {
        const big = f.params[j] === I64 ? BigInt.asUintN(64, v as bigint) : BigInt((v as number) >>> 0);
        args[2 * j] = Number(big & 0xffff_ffffn) | 0;
        args[2 * j + 1] = Number(big >> 32n) | 0;
      });
      const { outcome } = runWasiCall(f.id, args, 0, () => new Uint8Array((memory as WebAssembly.Memory).buffer), host, 0);
      if (outcome !== HostOutcome.Return) throw new Exit();
      return host.result;
    };
  }
  const instance = await WebAssembly.instantiate(module, { [WASI_MODULE]: imports });
  memory = instance.exports.memory as WebAssembly.Memory;
  try {
    (instance.exports._start as () => void)();
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
  }
}

/** Best time per run (ms) over RUNS measurements of `reps` back-to-back runs each. */
async function best(run: () => Promise<void>, reps: number): Promise<number> {
  let min = Infinity;
  for (let k = 0; k < RUNS; k++) {
    const t = performance.now();
    for (let r = 0; r < reps; r++) await run();
    min = Math.min(min, (performance.now() - t) / reps);
  }
  return min;
}

/** Runs per measurement so that one measurement takes about 100 ms (sub-millisecond runs are noise). */
async function calibrate(run: () => Promise<void>): Promise<number> {
  for (let k = 0; k < 5; k++) await run(); // warm-up: lets V8 tier up
  const t = performance.now();
  await run();
  return Math.max(1, Math.ceil(100 / Math.max(performance.now() - t, 0.01)));
}

async function main(names: string[]): Promise<void> {
  for (const name of names) {
    const fixture = loadFixture(name);
    const job = loadJob(fixture.wasm);
    const limits = DEFAULT_LIMITS;
    const io = jobIO({ input: fixture.input, args: fixture.args }, limits);
    const raw = await WebAssembly.compile(new Uint8Array(fixture.wasm));
    let steps = 0;
    const runPlain = (): Promise<void> => runUninstrumented(raw, io);
    const runNative = async (): Promise<void> => {
      const attempt = await attemptNative(job, io, limits);
      if (!attempt.ok) throw new Error(`${name}: native fell back (${attempt.reason})`);
      steps = attempt.result.steps;
    };
    const reps = await calibrate(runPlain);
    await calibrate(runNative);
    const plain = await best(runPlain, reps);
    const native = await best(runNative, reps);
    console.log(
      `${name.padEnd(10)} steps ${String(steps).padStart(11)}  V8 ${plain.toFixed(1).padStart(8)} ms  ` +
      `native ${native.toFixed(1).padStart(8)} ms  ratio ${(native / plain).toFixed(2)}  ` +
      `${((steps / native) / 1000).toFixed(0)} Msteps/s`,
    );
  }
}

const args = process.argv.slice(2);
await main(args.length > 0 ? args : ['loop', 'nn_int8']);
