// The job's original module on V8 with Verity's WASI host (vm/host/wasi.ts, the one both
// engines share) and nothing counted. It sits between node:wasi and the native engine and
// splits their difference in two: the host's share (WASI as micro-steps in JavaScript,
// at most one 32-byte leaf each, versus uvwasi's syscalls) and the instrumentation's share
// (step counting, budget and stack-unit guards, the NaN rule).

import { HostOutcome, HostState, WASI_MODULE, findWasiFunction, runWasiCall, type JobIO } from '../vm/host/wasi.js';
import { I64 } from '../vm/syntax/types.js';

export interface HostRun {
  exitCode: number | null;
  trapped: boolean;
  stdout: Uint8Array;
}

/** proc_exit or a host trap, unwinding V8's stack. */
class HostStop extends Error {
  constructor(readonly exited: boolean) {
    super('host stop');
  }
}

/** One run from a fresh instance of `module` (compiled from the job's own bytes). */
export async function runWithVerityHost(module: WebAssembly.Module, io: JobIO): Promise<HostRun> {
  const host = new HostState(io);
  let memory: WebAssembly.Memory | null = null;
  const mem = (): Uint8Array => new Uint8Array((memory as WebAssembly.Memory).buffer);
  const imports: Record<string, (...params: (number | bigint)[]) => number> = {};
  for (const im of WebAssembly.Module.imports(module)) {
    const wasi = im.module === WASI_MODULE ? findWasiFunction(im.name) : undefined;
    if (wasi === undefined) throw new Error(`unsupported import ${im.module}.${im.name}`);
    imports[im.name] = (...params) => {
      const { outcome } = runWasiCall(wasi.id, packArgs(params, wasi.params), 0, mem, host, 0);
      if (outcome !== HostOutcome.Return) throw new HostStop(outcome === HostOutcome.Exit);
      return host.result;
    };
  }
  const instance = await WebAssembly.instantiate(module, { [WASI_MODULE]: imports });
  memory = instance.exports.memory as WebAssembly.Memory;
  let exitCode: number | null = 0;
  let trapped = false;
  try {
    (instance.exports._start as () => void)();
  } catch (error) {
    if (!(error instanceof HostStop)) throw error;
    trapped = !error.exited;
    exitCode = error.exited ? host.result : null;
  }
  return { exitCode, trapped, stdout: host.stdout.bytes().slice() };
}

/** WASI arguments as the host takes them: arg j in words 2j (low) and 2j+1 (high). */
function packArgs(params: readonly (number | bigint)[], types: readonly number[]): Int32Array {
  const args = new Int32Array(2 * types.length);
  types.forEach((type, j) => {
    const value = params[j];
    if (type === I64) {
      const big = BigInt.asUintN(64, value as bigint);
      args[2 * j] = Number(big & 0xffff_ffffn) | 0;
      args[2 * j + 1] = Number(big >> 32n) | 0;
    } else {
      args[2 * j] = (value as number) | 0;
    }
  });
  return args;
}
