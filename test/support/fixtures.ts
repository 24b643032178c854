// Loads the committed WASI fixtures in fixtures/<name>/ (see fixtures/README.md):
// <name>.wasm, optional input.bin (stdin), args.json (argv, argv[0] included) and
// expected.json, which names the expected stdout/stderr files next to it.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrapMessage } from '../../vm/exec/trap.js';

export interface FixtureExpectation {
  /** The exit code; null when the run traps. */
  exitCode: number | null;
  trapped: boolean;
  stdout: Uint8Array;
  stderr: Uint8Array;
  /** For a trapping fixture, the spec's trap message (hand-written: V8 words its own). */
  trapMessage?: string;
}

export interface Fixture {
  name: string;
  /** fixtures/<name>/ */
  dir: string;
  wasm: Uint8Array;
  /** stdin; empty when the fixture has no input.bin. */
  input: Uint8Array;
  /** argv, argv[0] included. */
  args: string[];
  expected: FixtureExpectation;
}

/** The `trap` fixture's argv[1] choices and the trap each one must end in (trap.c). */
export const TRAP_KINDS: Readonly<Record<string, string>> = Object.freeze({
  div0: TrapMessage.divideByZero,
  overflow: TrapMessage.integerOverflow,
  unreachable: TrapMessage.unreachable,
  oob: TrapMessage.memoryOutOfBounds,
  'null-call': TrapMessage.uninitializedElement,
  convert: TrapMessage.invalidConversion,
});

/** The one module the fixtures may import from, and the functions they may import. */
export const WASI_MODULE = 'wasi_snapshot_preview1';
export const ALLOWED_WASI_IMPORTS: ReadonlySet<string> = new Set([
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'fd_read', 'fd_write',
  'fd_close', 'fd_fdstat_get', 'fd_prestat_get', 'fd_prestat_dir_name', 'fd_seek', 'proc_exit',
  'sched_yield', 'clock_time_get', 'random_get',
]);

/** The repository's fixtures/ directory, found from this file whether run from source or dist/. */
export function fixturesRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'fixtures');
    if (existsSync(join(candidate, 'build.sh'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('fixtures: no fixtures/build.sh above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** Every fixture, sorted by name: each directory of fixtures/ that has an expected.json. */
export function loadFixtures(): Fixture[] {
  const root = fixturesRoot();
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, 'expected.json')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => loadFixture(name));
}

export function loadFixture(name: string): Fixture {
  const dir = join(fixturesRoot(), name);
  const inputPath = join(dir, 'input.bin');
  const expectedJson = readJson(join(dir, 'expected.json'));
  return {
    name,
    dir,
    wasm: readBytes(join(dir, `${name}.wasm`)),
    input: existsSync(inputPath) ? readBytes(inputPath) : new Uint8Array(0),
    args: parseArgs(readJson(join(dir, 'args.json')), name),
    expected: parseExpectation(expectedJson, dir, name),
  };
}

function parseArgs(json: unknown, name: string): string[] {
  if (!Array.isArray(json) || json.length === 0 || !json.every((arg) => typeof arg === 'string')) {
    throw new Error(`fixture ${name}: args.json must be a non-empty array of strings (argv[0] first)`);
  }
  return json as string[];
}

function parseExpectation(json: unknown, dir: string, name: string): FixtureExpectation {
  const fail = (why: string): never => {
    throw new Error(`fixture ${name}: expected.json: ${why}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('not an object');
  const fields = json as Record<string, unknown>;
  const { exitCode, trapped, stdoutFile, stderrFile, trapMessage } = fields;
  if (typeof trapped !== 'boolean') return fail('"trapped" must be a boolean');
  if (trapped ? exitCode !== null : !(typeof exitCode === 'number' && Number.isInteger(exitCode) && exitCode >= 0)) {
    return fail(trapped ? '"exitCode" must be null when trapped' : '"exitCode" must be a non-negative integer');
  }
  if (typeof stdoutFile !== 'string') return fail('"stdoutFile" must be a file name');
  if (stderrFile !== undefined && typeof stderrFile !== 'string') return fail('"stderrFile" must be a file name');
  if (trapMessage !== undefined && (!trapped || typeof trapMessage !== 'string')) {
    return fail('"trapMessage" is only for trapping fixtures and must be a string');
  }
  const expectation: FixtureExpectation = {
    exitCode: exitCode as number | null,
    trapped,
    stdout: readBytes(join(dir, stdoutFile)),
    stderr: stderrFile === undefined ? new Uint8Array(0) : readBytes(join(dir, stderrFile)),
  };
  if (typeof trapMessage === 'string') expectation.trapMessage = trapMessage;
  return expectation;
}

function readBytes(path: string): Uint8Array {
  if (!existsSync(path)) throw new Error(`fixtures: missing file ${path}`);
  return new Uint8Array(readFileSync(path));
}

function readJson(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`fixtures: ${path} is not valid JSON (${(error as Error).message})`);
  }
}
