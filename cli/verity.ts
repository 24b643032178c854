// The `verity` command line. bin/verity.js calls main(); commands register themselves
// from cli/commands/index.ts. Kept light: nothing here loads ethers or the VM.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { EXIT_OK, EXIT_USAGE, exitCodeFor, formatError } from './errors.js';

/** The version in the package.json above this file (cli/ in source, dist/cli/ when built). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'verity' && typeof manifest.version === 'string') return manifest.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return '0.0.0-unknown';
    dir = parent;
  }
}

export type Registrar = (program: Command) => void;

export function buildProgram(registrars: readonly Registrar[] = commands): Command {
  const program = new Command('verity')
    .description('Optimistic fraud-proof compute: run, check and dispute deterministic WebAssembly jobs.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    // Errors are printed once, by main(), in our one-line format; subcommands inherit
    // both settings because they are set before the commands are added.
    .configureOutput({ outputError: () => {} })
    .exitOverride();
  for (const register of registrars) register(program);
  return program;
}

/** commander's own exits that are not errors, or whose output (help) is already printed. */
function commanderExit(error: CommanderError): number | null {
  switch (error.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return EXIT_OK;
    case 'commander.help': // help printed because no command was given
      return EXIT_USAGE;
    default:
      return null;
  }
}

/**
 * Runs the CLI on a full argv (node, script, args...) and returns the exit code: 0, or
 * what an action left in process.exitCode, 2 for usage/input errors, 1 for failures.
 */
export async function main(argv: readonly string[], registrars: readonly Registrar[] = commands): Promise<number> {
  try {
    await buildProgram(registrars).parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      const code = commanderExit(error);
      if (code !== null) return code;
      error.message = error.message.replace(/^error: /, '');
    }
    process.stderr.write(formatError(error, process.env.VERITY_DEBUG === '1') + '\n');
    return exitCodeFor(error);
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exit(await main(process.argv));
