// The `verity` commands. Each lives in cli/commands/<name>.ts and exports
//
//   export function register(program: Command): void
//
// which adds its subcommand (name, options, help) to `program`. Startup budget: a
// small `verity run` in < 300 ms, so a command module imports only `commander` and
// types at top level; anything heavy (ethers, the VM, the chain clients) is loaded
// inside the action with `await import(...)`. An action's promise resolves when the
// command is done (a long-running one resolves on shutdown); the process exits then.
// Throw UsageError (cli/errors.ts) for bad arguments or input: exit code 2.
import type { Command } from 'commander';
import { register as run } from './run.js';
import { register as stateHash } from './state-hash.js';
import { register as prove } from './prove.js';
import { register as trace } from './trace.js';
import { register as stepCheck } from './step-check.js';
import { register as devnet } from './devnet.js';
import { register as deploy } from './deploy.js';
import { register as submit } from './submit.js';
import { register as status } from './status.js';
import { register as result } from './result.js';
import { register as executor } from './executor.js';
import { register as watch } from './watch.js';
import { register as demo } from './demo.js';
import { register as audit } from './audit.js';

export const commands: Array<(program: Command) => void> = [
  run, stateHash, trace, prove, stepCheck, devnet, deploy, submit, status, result, executor, watch, audit, demo,
];
