// An independent reference runner for fixtures: Node's own WASI (node:wasi, uvwasi) on V8.
// It shares no code with Verity's host or engines, so agreeing with it means something.
// Caveat: it does not apply the machine's NaN rule, so fixtures never print NaN bits that
// arithmetic produced (see fixtures/README.md).

import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';

export interface NodeWasiResult {
  /** proc_exit's code, 0 when `_start` returns; null when the run trapped. */
  exitCode: number | null;
  trapped: boolean;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

/**
 * Runs a WASI preview1 command with `input` as stdin and `args` as argv (argv[0] included)
 * and an empty environment. stdin/stdout/stderr are temp files (node:wasi takes only real
 * fds), removed afterwards. A WebAssembly trap ends the run with `trapped: true`; any other
 * failure (compile or link error, host stack overflow) is thrown.
 */
export async function runWithNodeWasi(
  wasm: Uint8Array,
  input: Uint8Array,
  args: string[],
): Promise<NodeWasiResult> {
  // A copy, because compile() takes only views of a plain (not shared) ArrayBuffer.
  const module = await WebAssembly.compile(new Uint8Array(wasm));
  const dir = mkdtempSync(join(tmpdir(), 'verity-node-wasi-'));
  const openFds: number[] = [];
  const open = (path: string, flags: string): number => {
    const fd = openSync(path, flags);
    openFds.push(fd);
    return fd;
  };
  try {
    const stdinPath = join(dir, 'stdin');
    const stdoutPath = join(dir, 'stdout');
    const stderrPath = join(dir, 'stderr');
    writeFileSync(stdinPath, input);
    const wasi = new WASI({
      version: 'preview1',
      args,
      env: {},
      preopens: {},
      returnOnExit: true,
      stdin: open(stdinPath, 'r'),
      stdout: open(stdoutPath, 'w'),
      stderr: open(stderrPath, 'w'),
    });
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
    let exitCode: number | null = null;
    let trapped = false;
    try {
      exitCode = wasi.start(instance);
    } catch (error) {
      if (!(error instanceof WebAssembly.RuntimeError)) throw error;
      trapped = true;
    }
    closeAll(openFds);
    return {
      exitCode,
      trapped,
      stdout: new Uint8Array(readFileSync(stdoutPath)),
      stderr: new Uint8Array(readFileSync(stderrPath)),
    };
  } finally {
    closeAll(openFds);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Closes and forgets every fd in `fds` (so a second call closes nothing twice). */
function closeAll(fds: number[]): void {
  for (const fd of fds.splice(0)) closeSync(fd);
}
