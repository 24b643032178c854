// verity audit JOB [--deployment FILE] [--rpc URL] [--module FILE [--input FILE] [-- ARGS...]] [--game ID] [--json] [--out FILE]
//
// Replays a job's disputes from the market's events alone against a local re-execution
// (node/audit/): every defender hash and challenger choice checked, where the parties
// first disagreed, the decisive instruction with its pre- and post-state, and the
// deployed verifier's verdict on the locally built proof. docs/audit.md.
import type { Command } from 'commander';
import type { AuditReport, GameAudit, StateSummary } from '../../node/audit/replay.js';
import { UsageError } from '../errors.js';
import { readJobFiles } from '../job-files.js';
import { parseUrl } from '../network.js';
import { progressReporter } from '../progress.js';

interface AuditOptions {
  deployment: string;
  rpc?: string;
  module?: string;
  input?: string;
  game?: bigint;
  json?: boolean;
  out?: string;
}

function parseId(what: string): (value: string) => bigint {
  return (value: string) => {
    if (!/^\d+$/.test(value)) throw new UsageError(`${what} must be a non-negative integer, got '${value}'`);
    return BigInt(value);
  };
}

export function register(program: Command): void {
  program
    .command('audit')
    .description("replay a job's disputes from chain events and check every move against a local re-execution")
    .argument('<job>', 'the job id')
    .argument('[args...]', 'with --module: the job arguments (after --); argv[0] is the module file name')
    .option('--deployment <file>', 'deployment file written by `verity devnet` or `verity deploy`', '.verity/deployment.json')
    .option('--rpc <url>', "JSON-RPC endpoint (default: the deployment file's)", parseUrl)
    .option('--module <file>', 'the job module (default: fetched by hash from blobs published on chain)')
    .option('-i, --input <file>', 'with --module: the job input (stdin)')
    .option('--game <id>', 'audit only this game (default: every game of the job)', parseId('--game'))
    .option('--json', 'print the report as one JSON object')
    .option('--out <file>', 'also write the full report as JSON to this file')
    .addHelpText('after', `
Trace index i is the state after i transitions (docs/machine-state.md). The audit needs the
job's module and input: given with --module/--input, fetched from the network's p2p peers
by hash, or published on chain (publishBlob).`)
    .action(async (jobText: string, args: string[], opts: AuditOptions) => {
      const jobId = parseId('JOB')(jobText);
      if (opts.module === undefined && (opts.input !== undefined || args.length > 0)) {
        throw new UsageError('--input and job arguments go with --module');
      }
      const files = opts.module === undefined ? null : readJobFiles(opts.module, opts.input, args);
      const [{ loadDeployment, checkChain }, { MarketClient, connectProvider }, { auditJob, AuditError, memoryBlobStore }, { startP2P }] =
        await Promise.all([
          import('../network.js'), import('../../node/chain/market.js'), import('../../node/audit/replay.js'),
          import('../../node/p2p/node.js'),
        ]);
      const deployment = await loadDeployment({ deployment: opts.deployment, rpc: opts.rpc });
      await checkChain(deployment);
      const provider = connectProvider(deployment.rpcUrl, deployment.chainId);
      // The job's blobs from the network's peers (or, failing that, from chain events).
      const p2p = files === null && deployment.bootstrap.length > 0
        ? await startP2P({ blobs: memoryBlobStore(), bootstrap: deployment.bootstrap, onError: () => {} })
        : null;
      const progress = progressReporter(process.stderr.isTTY === true, 're-executing');
      let report: AuditReport;
      try {
        report = await auditJob({
          market: MarketClient.readOnly(deployment, provider),
          jobId,
          material: files === null ? null : { module: files.wasm, input: { args: files.args, input: files.input } },
          p2p,
          gameId: opts.game ?? null,
          onProgress: progress.onProgress,
        });
      } catch (e) {
        throw e instanceof AuditError ? new UsageError(e.message) : e;
      } finally {
        progress.done();
        provider.destroy();
        await p2p?.close();
      }
      if (opts.out !== undefined) await writeAtomically(opts.out, JSON.stringify(report, null, 2) + '\n');
      process.stdout.write(opts.json ? JSON.stringify(report) + '\n' : formatReport(report));
    });
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const { mkdirSync, renameSync, writeFileSync } = await import('node:fs');
  const { dirname } = await import('node:path');
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    throw new UsageError(`cannot write ${file}: ${(e as Error).message}`);
  }
}

const short = (hash: string): string => `${hash.slice(0, 10)}…${hash.slice(-4)}`;

function describeState(s: StateSummary): string {
  const status = s.status === 'trapped' ? `trapped (${s.trap})` : s.status === 'exited' ? `exited ${s.exitCode}` : s.status;
  const stack = s.stackTop.length === 0 ? '' : ` stack [${s.stackTop.join(', ')}]`;
  return `${s.stateHash}\n      ${status}, steps ${s.steps}, pc ${s.pc}, sp ${s.sp}, fp ${s.fp}${stack}`;
}

const mark = (ok: boolean | null): string => (ok === null ? '' : ok ? 'ok' : 'WRONG');

function formatGame(g: GameAudit): string[] {
  const lines: string[] = [];
  const ended = g.endedBy === null ? `open, ${g.toMove} to move` :
    g.endedBy === 'timeout' ? `${g.outcome}: the ${g.timedOut} timed out` : `${g.outcome} by ${g.endedBy}`;
  const right = g.rightSideWon === null ? '' : g.rightSideWon ? ' (the side the re-execution supports)' : ' (AGAINST the re-execution)';
  lines.push(`game ${g.gameId} on attempt ${g.attempt}: ${ended}${right}`);
  lines.push(`  challenger ${g.challenger}, defender ${g.defender ?? '?'}, disputed final index ${g.traceLength}`);
  const agreed = g.defenderHashes.filter((h) => h.agrees).length;
  lines.push(`  defender hashes: ${g.defenderHashes.length} posted, ${agreed} as re-executed`);
  if (g.firstDisagreement === null) lines.push('  no disagreement: every posted hash is the local one');
  else {
    const d = g.firstDisagreement;
    lines.push(`  first disagreement at index ${d.index} (last agreed: ${d.lastAgreedIndex ?? 'none'})`);
    lines.push(`    posted ${d.posted}\n    local  ${d.local}`);
  }
  lines.push('  moves:');
  g.moves.forEach((m, k) => {
    const who = m.by === 'anyone' ? 'anyone    ' : `${m.by.padEnd(10)} ${m.account ? short(m.account) : ''}`;
    const range = `[${m.start}, ${m.start + m.length}]`;
    lines.push(`    ${String(k + 1).padStart(2)}. ${m.kind.padEnd(14)} ${who.padEnd(26)} ${range.padEnd(22)} ${m.note} ${mark(m.matchesLocal)}`.trimEnd());
  });
  const s = g.decisiveStep;
  if (s !== null) {
    lines.push(`  decisive step: trace index ${s.index} → ${s.index + 1}: ${s.instruction}` +
      (s.row.length > 0 ? ` (row [${s.row.map((w) => `0x${(w >>> 0).toString(16)}`).join(', ')}])` : ''));
    lines.push(`    pre  ${describeState(s.pre)}`);
    lines.push(`    post ${describeState(s.post)}`);
    lines.push(`    defender's claimed post-state ${s.claimedPostHash} ${s.claimConfirmed ? '(= local)' : '(≠ local)'}`);
    const v = s.verifier;
    lines.push(v.postStateHash === null ? `    verifier ${v.address}: reverted: ${v.error}` :
      `    verifier ${v.address}: post-state ${v.postStateHash}\n      ${v.matchesLocal ? '= local' : '≠ LOCAL'}, ` +
      `${v.refutesClaim ? "refutes the defender's claim" : "confirms the defender's claim"}`);
  }
  return lines;
}

/** The report for a reader. */
export function formatReport(r: AuditReport): string {
  const lines: string[] = [];
  lines.push(`job ${r.jobId} on market ${r.market} (chain ${r.chainId}): ${r.outcome}`);
  lines.push(`  module ${r.job.moduleHash}, input ${r.job.inputHash} (${r.material.source === 'local' ? 'local files' : 'fetched by hash: p2p, chain events'})`);
  lines.push(`  argv ${JSON.stringify(r.material.args)}, stdin ${r.material.inputBytes} bytes, maxSteps ${r.job.maxSteps}`);
  const l = r.local;
  const status = l.status === 'trapped' ? `trapped (${l.trap})` : l.status === 'exited' ? `exited ${l.exitCode}` : l.status;
  lines.push(`  local re-execution: ${status} after ${l.steps} steps; final index ${l.traceLength}, state ${l.finalStateHash}`);
  lines.push(r.results.length === 0 ? 'no results posted' : 'results:');
  for (const res of r.results) {
    const st = res.status === 'trapped' ? `trapped (${res.trap})` : res.status === 'exited' ? `exited ${res.exitCode}` : res.status;
    lines.push(`  attempt ${res.attempt} by ${res.executor ?? '?'}: ${st}, ${res.steps} steps, index ${res.traceLength}, ${res.fate}`);
    lines.push(`    state ${res.finalStateHash} ${res.matchesLocal ? '= local' : `≠ local ${res.localStateHash}`}`);
  }
  if (r.games.length === 0) lines.push('no games: nobody challenged a result of this job');
  for (const g of r.games) lines.push(...formatGame(g));
  return lines.join('\n') + '\n';
}
