// The baseline: the same module on plain V8 through Node's own WASI (node:wasi), with the
// same stdin and argv. Compiled once per fixture like the native engine's cache; each run
// is timed in two parts, instance setup (WASI object + instantiate) and the run itself
// (`_start`), because V8 finishes some fixtures in a few milliseconds where setup shows.

import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';

export interface V8Run {
  /** new WASI + WebAssembly.instantiate. */
  setupMs: number;
  /** wasi.start(instance), to proc_exit, return or trap. */
  runMs: number;
  exitCode: number | null;
  trapped: boolean;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

/** One fixture's module on V8, with the temp files node:wasi needs (it takes only real fds). */
export class V8Baseline {
  private readonly dir: string;
  private readonly stdinPath: string;
  private readonly stdoutPath: string;
  private readonly stderrPath: string;

  private constructor(
    readonly module: WebAssembly.Module,
    private readonly args: readonly string[],
    input: Uint8Array,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'verity-bench-'));
    this.stdinPath = join(this.dir, 'stdin');
    this.stdoutPath = join(this.dir, 'stdout');
    this.stderrPath = join(this.dir, 'stderr');
    writeFileSync(this.stdinPath, input);
  }

  /** Compiles `wasm` (timed: the cold half of V8's first run). Call dispose() when done. */
  static async create(wasm: Uint8Array, input: Uint8Array, args: readonly string[]): Promise<{ baseline: V8Baseline; compileMs: number }> {
    const start = performance.now();
    // A copy: compile() takes only views of a plain (not shared) ArrayBuffer.
    const module = await WebAssembly.compile(new Uint8Array(wasm));
    const compileMs = performance.now() - start;
    return { baseline: new V8Baseline(module, args, input), compileMs };
  }

  /** One run from a fresh instance. Output files are read after the clock stops. */
  async run(): Promise<V8Run> {
    const fds = [openSync(this.stdinPath, 'r'), openSync(this.stdoutPath, 'w'), openSync(this.stderrPath, 'w')];
    try {
      const t0 = performance.now();
      const wasi = new WASI({
        version: 'preview1',
        args: [...this.args],
        env: {},
        preopens: {},
        returnOnExit: true,
        stdin: fds[0],
        stdout: fds[1],
        stderr: fds[2],
      });
      const instance = await WebAssembly.instantiate(this.module, wasi.getImportObject() as WebAssembly.Imports);
      const t1 = performance.now();
      let exitCode: number | null = null;
      let trapped = false;
      try {
        exitCode = wasi.start(instance);
      } catch (error) {
        if (!(error instanceof WebAssembly.RuntimeError)) throw error;
        trapped = true;
      }
      const t2 = performance.now();
      return {
        setupMs: t1 - t0,
        runMs: t2 - t1,
        exitCode,
        trapped,
        stdout: new Uint8Array(readFileSync(this.stdoutPath)),
        stderr: new Uint8Array(readFileSync(this.stderrPath)),
      };
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
