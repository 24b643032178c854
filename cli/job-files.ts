// Reading a job from the command line: the module file, the input file and argv.
// Shared by every command that takes `MODULE [--input F] [-- ARGS...]`.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from './errors.js';

export interface JobFiles {
  wasm: Uint8Array;
  /** argv[0] is the module's file name, so the same file gives the same argv anywhere. */
  args: string[];
  input: Uint8Array;
}

function readFile(what: string, path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new UsageError(`cannot read ${what} ${path}: ${why}`);
  }
}

export function readJobFiles(modulePath: string, inputPath: string | undefined, args: string[]): JobFiles {
  return {
    wasm: readFile('module', modulePath),
    input: inputPath === undefined ? new Uint8Array(0) : readFile('input', inputPath),
    args: [basename(modulePath), ...args],
  };
}

/** Parses a positive integer option (commander passes strings). */
export function parseCount(name: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
      throw new UsageError(`${name} must be a positive integer, got '${value}'`);
    }
    return Number(value);
  };
}
