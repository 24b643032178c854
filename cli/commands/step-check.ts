// verity step-check MODULE [--input F] --steps i,j,... [--rpc URL --verifier ADDR] [--json] [-- ARGS...]
//
// Proves each listed transition off-chain (the interpreter's one-step proof) and asks the
// deployed Solidity verifier (IStepVerifier.verifyStep) for the post-state hash: the two
// must agree bit for bit. Without --rpc it starts an embedded anvil and deploys the
// verifier there (node/chain/).
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { parseCount, readJobFiles } from '../job-files.js';

/** Parses `--steps`: comma-separated non-negative integers, at least one. */
export function parseSteps(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p) || !Number.isSafeInteger(Number(p)))) {
    throw new UsageError(`--steps must be comma-separated step indices (non-negative integers), got '${value}'`);
  }
  return parts.map(Number);
}

function parseAddress(value: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new UsageError(`--verifier must be a 0x-prefixed 20-byte address, got '${value}'`);
  return value;
}

function parseUrl(value: string): string {
  if (!/^https?:\/\/\S+$/.test(value)) throw new UsageError(`--rpc must be an http(s) URL, got '${value}'`);
  return value;
}

interface StepCheckOptions {
  input?: string;
  steps: number[];
  rpc?: string;
  verifier?: string;
  maxSteps?: number;
  json?: boolean;
}

export interface StepCheck {
  step: number;
  opcode: number;
  offchainPostStateHash: string;
  /** null when the verifier reverted. */
  onchainPostStateHash: string | null;
  /** Gas estimate of the verifyStep call; null when it reverted. */
  gasUsed: number | null;
  ok: boolean;
  /** Revert reason, when it reverted. */
  error?: string;
}

export function register(program: Command): void {
  program
    .command('step-check')
    .description('prove steps off-chain and check each proof with the deployed Solidity verifier')
    .argument('<module>', 'the job: a WASI command module (.wasm)')
    .argument('[args...]', 'arguments for the job (after --); argv[0] is the module file name')
    .option('-i, --input <file>', 'the job input, read by the job on stdin')
    .requiredOption('--steps <i,j,...>', 'trace indices whose transitions to check', parseSteps)
    .option('--rpc <url>', 'JSON-RPC endpoint of a chain with the verifier (default: an embedded anvil)', parseUrl)
    .option('--verifier <address>', 'address of the deployed OneStepVerifier (with --rpc)', parseAddress)
    .option('--max-steps <n>', 'step budget: the run ends as out-of-steps after n steps', parseCount('--max-steps'))
    .option('--json', 'print one JSON object per step')
    .action(async (module: string, args: string[], opts: StepCheckOptions) => {
      if ((opts.rpc === undefined) !== (opts.verifier === undefined)) {
        throw new UsageError('--rpc and --verifier go together (neither: an embedded anvil with a fresh verifier)');
      }
      const files = readJobFiles(module, opts.input, args);
      const [{ loadJob }, { withDefaults }, { Trace }, ethers, { startAnvil, ANVIL_KEY_0 }, { deployVerifier, STEP_VERIFIER_ABI }] =
        await Promise.all([
          import('../../vm/job.js'), import('../../vm/run.js'), import('../../vm/state/trace.js'), import('ethers'),
          import('../../node/chain/anvil.js'), import('../../node/chain/deploy-verifier.js'),
        ]);
      const job = loadJob(files.wasm);
      const limits = withDefaults(opts.maxSteps === undefined ? {} : { maxSteps: opts.maxSteps });
      const trace = await Trace.record(job, { input: files.input, args: files.args }, limits);
      // Index `length` is the final state; its transition is the halted fixed point.
      const beyond = opts.steps.find((i) => i > trace.length);
      if (beyond !== undefined) throw new UsageError(`step ${beyond} is past the end of the trace (final index ${trace.length})`);
      const proofs = opts.steps.map((i) => ({ step: i, ...trace.proofAt(i) }));

      const anvil = opts.rpc === undefined ? await startAnvil() : null;
      try {
        const rpcUrl = opts.rpc ?? anvil!.rpcUrl;
        const provider = new ethers.JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
        let verifierAddress = opts.verifier;
        if (verifierAddress === undefined) {
          const wallet = new ethers.Wallet(ANVIL_KEY_0, provider);
          verifierAddress = (await deployVerifier(wallet)).verifier;
        }
        const verifier = new ethers.Contract(verifierAddress, STEP_VERIFIER_ABI, provider);
        const verifyStep = verifier.getFunction('verifyStep');
        for (const p of proofs) {
          const proofHex = ethers.hexlify(p.proof);
          let check: StepCheck;
          try {
            const onchain = (await verifyStep.staticCall(p.preStateHash, proofHex)) as string;
            const gas = await verifyStep.estimateGas(p.preStateHash, proofHex);
            check = {
              step: p.step, opcode: p.opcode, offchainPostStateHash: p.postStateHash, onchainPostStateHash: onchain,
              gasUsed: Number(gas), ok: onchain.toLowerCase() === p.postStateHash.toLowerCase(),
            };
          } catch (e) {
            const reason = (e as { shortMessage?: string }).shortMessage ?? (e as Error).message;
            check = {
              step: p.step, opcode: p.opcode, offchainPostStateHash: p.postStateHash, onchainPostStateHash: null,
              gasUsed: null, ok: false, error: reason.split('\n')[0],
            };
          }
          if (opts.json) process.stdout.write(JSON.stringify(check) + '\n');
          else {
            process.stdout.write(`step ${check.step} opcode ${check.opcode} ${check.ok ? 'ok' : 'MISMATCH'} ` +
              `gas ${check.gasUsed ?? '-'} off ${check.offchainPostStateHash} on ${check.onchainPostStateHash ?? check.error}\n`);
          }
          if (!check.ok) process.exitCode = 1;
        }
        provider.destroy();
      } finally {
        await anvil?.close();
      }
    });
}
