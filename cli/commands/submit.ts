// verity submit MODULE [--input F] [--fee ETH] [--bond ETH] [--challenger-bond ETH]
//   [--max-steps N] [--challenge-period S] [--publish-on-chain] [--json] [-- ARGS...]
//
// Checks the job locally (decode, validate, WASI imports, initial state hash), offers its
// module and input over p2p (content-addressed), posts it on chain with the fee, and
// waits until a peer has fetched both blobs, so that they outlive this process.
import type { Command } from 'commander';
import { parseCount, readJobFiles } from '../job-files.js';
import { keyOptions, networkOptions, parseEth, parseSeconds, type KeyOptions, type NetworkOptions } from '../network.js';

interface SubmitOptions extends NetworkOptions, KeyOptions {
  input?: string;
  fee?: bigint;
  bond?: bigint;
  challengerBond?: bigint;
  maxSteps?: number;
  claimWindow?: number;
  executionWindow?: number;
  challengePeriod?: number;
  publishOnChain?: boolean;
  wait: number;
  json?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('submit')
    .description('post a WASI job with a fee; its module and input are served over p2p by hash')
    .argument('<module>', 'the job: a WASI command module (.wasm)')
    .argument('[args...]', 'arguments for the job (after --); argv[0] is the module file name')
    .option('-i, --input <file>', 'the job input, read by the job on stdin')
    .option('--fee <eth>', 'fee paid to the executor whose result finalizes (default 0.01)', parseEth('--fee'))
    .option('--bond <eth>', 'bond the executor must post (default 1)', parseEth('--bond'))
    .option('--challenger-bond <eth>', 'bond a challenger must post (default 0.1)', parseEth('--challenger-bond'))
    .option('--max-steps <n>', 'step budget of the job (default 10^10)', parseCount('--max-steps'))
    .option('--claim-window <s>', 'seconds an executor has to claim the job (default 600)', parseSeconds('--claim-window'))
    .option('--execution-window <s>', 'seconds the executor has to post a result (default 600)', parseSeconds('--execution-window'))
    .option('--challenge-period <s>', 'seconds the result can be challenged (default 60)', parseSeconds('--challenge-period'))
    .option('--publish-on-chain', 'also publish module and input in chain events (the fallback when no peer serves them)')
    .option('--wait <s>', 'seconds to wait for a peer to fetch the blobs', parseSeconds('--wait'), 20)
    .option('--json', 'print one JSON object: jobId, hashes, transaction, fee');
  networkOptions(command);
  keyOptions(command, 1, 'submitter');
  command.action(async (module: string, args: string[], opts: SubmitOptions) => {
    const files = readJobFiles(module, opts.input, args);
    const { loadDeployment, resolveKey, checkChain, formatEth } = await import('../network.js');
    const deployment = await loadDeployment(opts);
    const key = resolveKey(deployment, opts, 1);
    const [{ prepareJob }, { DEFAULT_LIMITS }] = await Promise.all([import('../../node/jobs/material.js'), import('../../vm/exec/limits.js')]);
    // Refused here, before any transaction: malformed module, unsupported import, no _start.
    const job = prepareJob(files.wasm, { input: files.input, args: files.args }, opts.maxSteps ?? DEFAULT_LIMITS.maxSteps);
    await checkChain(deployment);
    const [{ openHost }, { submitJob, DEFAULT_TERMS }, { mkdtempSync, rmSync }, { tmpdir }, { join }] = await Promise.all([
      import('../../node/runtime/host.js'), import('../../node/runtime/submit.js'), import('node:fs'), import('node:os'), import('node:path'),
    ]);
    const served = new Map<string, Set<string>>();
    const storeDir = mkdtempSync(join(tmpdir(), 'verity-submit-'));
    const host = await openHost({
      deployment, privateKey: key, storeDir,
      onServed: (hash, peer) => served.set(hash, (served.get(hash) ?? new Set()).add(peer)),
    });
    try {
      await waitFor(() => (host.p2p?.peers().length ?? 0) > 0, 3_000);
      const peers = host.p2p?.peers().length ?? 0;
      const publishOnChain = opts.publishOnChain === true || peers === 0;
      if (publishOnChain && !opts.publishOnChain) {
        process.stderr.write('verity: no p2p peer reachable; publishing module and input on chain instead\n');
      }
      const terms = {
        fee: opts.fee ?? DEFAULT_TERMS.fee, executorBond: opts.bond ?? DEFAULT_TERMS.executorBond,
        challengerBond: opts.challengerBond ?? DEFAULT_TERMS.challengerBond,
        claimWindow: opts.claimWindow ?? DEFAULT_TERMS.claimWindow, executionWindow: opts.executionWindow ?? DEFAULT_TERMS.executionWindow,
        challengePeriod: opts.challengePeriod ?? DEFAULT_TERMS.challengePeriod,
      };
      const submitted = await submitJob({ market: host.market, job, terms, blobs: host.store.blobs, p2p: host.p2p, publishOnChain });
      let fetchedBy = 0;
      if (peers > 0) {
        const both = () => (served.get(job.moduleHash)?.size ?? 0) > 0 && (served.get(job.inputHash)?.size ?? 0) > 0;
        await waitFor(both, opts.wait * 1000);
        fetchedBy = Math.min(served.get(job.moduleHash)?.size ?? 0, served.get(job.inputHash)?.size ?? 0);
        if (fetchedBy === 0 && !publishOnChain) {
          process.stderr.write(`verity: warning: no peer fetched the job's blobs within ${opts.wait} s; ` +
            'executors cannot run it unless someone serves them (submit with --publish-on-chain)\n');
        }
      }
      const report = {
        jobId: submitted.jobId.toString(), transaction: submitted.sent.receipt.hash, moduleHash: job.moduleHash,
        inputHash: job.inputHash, initialStateHash: job.initialStateHash, maxSteps: job.maxSteps.toString(),
        fee: terms.fee.toString(), executorBond: terms.executorBond.toString(), challengerBond: terms.challengerBond.toString(),
        challengePeriod: terms.challengePeriod, publishedOnChain: publishOnChain, fetchedByPeers: fetchedBy,
      };
      if (opts.json) process.stdout.write(JSON.stringify(report) + '\n');
      else {
        process.stdout.write(`job ${report.jobId} posted with a fee of ${formatEth(terms.fee)} ETH (tx ${report.transaction})\n` +
          `  module ${job.moduleHash}\n  input  ${job.inputHash}\n  initial state ${job.initialStateHash}\n` +
          `  blobs: ${publishOnChain ? 'published on chain' : `fetched by ${fetchedBy} peer(s)`}\n` +
          `Follow it with: verity status ${report.jobId}\n`);
      }
    } finally {
      await host.close();
      rmSync(storeDir, { recursive: true, force: true });
    }
  });
}

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}
