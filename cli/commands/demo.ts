// verity demo [--fault MODE] [--json]: the whole story on an embedded chain, in one command.
import type { Command } from 'commander';
import { UsageError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('demo')
    .description('run a whole network on an embedded chain: a lying executor is caught, slashed, and the job still gets done')
    .option('--fault <mode>', "the liar's lie: wrong-output, wrong-final or wrong-state:<trace index>", 'wrong-output')
    .option('--verbose', 'print every node report')
    .option('--json', 'progress on stderr; the last stdout line is the summary as JSON')
    .action(async (opts: { fault: string; verbose?: boolean; json?: boolean }) => {
      const [{ runDemo }, { parseFault }] = await Promise.all([import('../../node/runtime/demo.js'), import('../../node/game/oracle.js')]);
      let fault;
      try {
        fault = parseFault(opts.fault);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const out = opts.json ? process.stderr : process.stdout;
      const report = await runDemo({ fault, onLine: (line) => out.write(line + '\n') });
      const summary = {
        liarSlashed: report.liarSlashed, watcherPaid: report.watcherPaid, honestFinalized: report.honestFinalized,
        honestPaid: report.honestPaid, rounds: report.rounds, disputeGas: report.disputeGas, wallSeconds: report.wallSeconds,
      };
      if (opts.json) process.stdout.write(JSON.stringify(summary) + '\n');
      else {
        const ok = summary.liarSlashed && summary.watcherPaid && summary.honestFinalized && summary.honestPaid;
        process.stdout.write(`\n${ok ? 'Done' : 'NOT AS EXPECTED'}: liar slashed ${yes(summary.liarSlashed)}, watcher paid ${yes(summary.watcherPaid)}, ` +
          `honest result finalized ${yes(summary.honestFinalized)}, honest executor paid ${yes(summary.honestPaid)}; ` +
          `${summary.wallSeconds} s.\n`);
      }
      if (!(summary.liarSlashed && summary.watcherPaid && summary.honestFinalized && summary.honestPaid)) process.exitCode = 1;
    });
}

function yes(b: boolean): string {
  return b ? 'yes' : 'NO';
}
