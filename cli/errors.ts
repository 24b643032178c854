// How the CLI turns an error into one line on stderr and an exit code.
import { CommanderError } from 'commander';

/** Bad arguments or bad input from the user: exit code 2, message only. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * Usage errors, commander's parse errors and refused WebAssembly modules (WasmError and
 * JobError, matched by name so that the VM is not loaded at startup) are the user's input: 2.
 * Anything else is a failure of the command: 1.
 */
/** Errors about what the user gave us (a module, a job's files, a deployment file), by name. */
const INPUT_ERRORS = new Set(['WasmError', 'JobError', 'JobMaterialError', 'BlobUnavailableError', 'DeploymentError', 'UnknownJobError']);

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof CommanderError) return EXIT_USAGE;
  if (error instanceof Error && INPUT_ERRORS.has(error.name)) return EXIT_USAGE;
  return EXIT_FAILURE;
}

/** "verity: <message>" on one line; the stack too only when VERITY_DEBUG=1. */
export function formatError(error: unknown, debug: boolean): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = `verity: ${oneLine(message) || 'unknown error'}`;
  if (debug && error instanceof Error && error.stack) return `${line}\n${error.stack}`;
  return line;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
