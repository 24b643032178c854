// `verity audit`: replays a job's disputes from the chain's events alone (history.ts)
// against a local re-execution. For every game it checks each hash the defender posted
// and each choice the challenger made, finds where the parties first disagreed, and for
// a game narrowed to one transition rebuilds the decisive step: the instruction, its pre-
// and post-state, and what the deployed verifier says of the locally built proof.
// The report is plain JSON data (ids and wei as decimal strings) so that --json and
// --out print it as it is.
import { Contract, hexlify } from 'ethers';
import { STEP_VERIFIER_ABI } from '../chain/deploy-verifier.js';
import { ChainError, describeChainError, type JobState, type MarketClient, type Outcome } from '../chain/market.js';
import { boundary } from '../game/moves.js';
import { BlobUnavailableError, fetchJob, type BlobFetcher } from '../jobs/fetch.js';
import { checkJobMaterial, encodeJobInput, JobMaterialError, type PreparedJob } from '../jobs/material.js';
import { createBlobStore, type BlobStore } from '../store/blob-store.js';
import { IOp, wasmOpOf } from '../../vm/exec/code.js';
import type { Machine } from '../../vm/exec/interpret.js';
import { WASI_FUNCTIONS } from '../../vm/host/wasi.js';
import type { JobInput } from '../../vm/job.js';
import { proveStep } from '../../vm/proof/prove.js';
import { StepKind } from '../../vm/proof/step.js';
import { decodeHeader, HEADER_BYTES, readClaim, StateCommitter, TRAP_CODES } from '../../vm/state/commit.js';
import { Trace } from '../../vm/state/trace.js';
import { opName } from '../../vm/syntax/opcodes.js';
import { jobHistory, type GameHistory, type JobHistory } from './history.js';

/** The audit cannot start from what it was given (unknown job or game, files not the job's): the user's input. */
export class AuditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditError';
  }
}

export interface AuditOptions {
  /** A client of the market (read-only is enough); the verifier is reached through its provider. */
  market: MarketClient;
  jobId: bigint;
  /** The job's files; by default its module and input blob are fetched by hash from blobs published on chain. */
  material?: { module: Uint8Array; input: JobInput } | null;
  /** p2p peers to fetch the module and input from, before the on-chain fallback. */
  p2p?: BlobFetcher | null;
  /** Audit only this game (default: every game of the job). */
  gameId?: bigint | null;
  /** Steps of the local recording pass so far. */
  onProgress?: (steps: number) => void;
}

/** A machine state, as much as a reader needs to follow one step. */
export interface StateSummary {
  stateHash: string;
  status: string;
  trap: string | null;
  exitCode: number | null;
  steps: number;
  pc: number;
  sp: number;
  fp: number;
  /** The top operand-stack slots (u64, hex), topmost first. */
  stackTop: string[];
}

export interface VerifierVerdict {
  address: string;
  /** What verifyStep(preHash, proof) returned; null when the call reverted. */
  postStateHash: string | null;
  matchesLocal: boolean;
  /** True when the verifier's post-state differs from the defender's claimed one: the claim is refuted. */
  refutesClaim: boolean;
  error: string | null;
}

/** The one transition a game narrowed down to. */
export interface DecisiveStep {
  /** Trace index of the pre-state (the range's start). */
  index: number;
  /** Row opcode executed, or -1 (halted: maps to itself) / -2 (becomes out-of-steps). */
  opcode: number;
  instruction: string;
  /** The machine-code row [op, a, b, c] at the pre-state's pc. */
  row: number[];
  pre: StateSummary;
  /** Post-state of the local re-execution. */
  post: StateSummary;
  agreedPreHash: string;
  claimedPostHash: string;
  /** The local post-state is the defender's claim (then the defender was right). */
  claimConfirmed: boolean;
  /** The locally built one-step proof, 0x hex. */
  proof: string;
  verifier: VerifierVerdict;
}

/** A hash the defender put on chain for a trace index, beside the local one. */
export interface PostedHash {
  index: number;
  posted: string;
  local: string;
  agrees: boolean;
}

export type MoveKind = 'challenge' | 'bisect' | 'choose' | 'proveStep' | 'timeout' | 'closeStaleGame';

export interface MoveAudit {
  kind: MoveKind;
  by: 'defender' | 'challenger' | 'anyone';
  /** The mover's address when the record names it. */
  account: string | null;
  block: number;
  tx: string;
  /** The range the move is about: a bisect's dissected range, a choice's chosen segment, the step. */
  start: number;
  length: number;
  /** bisect: the first trace index whose posted hash differs from the local one. */
  firstWrongIndex?: number | null;
  /** choose: the segment picked, and the one the local re-execution picks (null: no segment ends wrong). */
  index?: number;
  expectedIndex?: number | null;
  /** Whether the move is what the local re-execution supports; null for timeouts and closes. */
  matchesLocal: boolean | null;
  note: string;
}

export interface GameAudit {
  gameId: string;
  attempt: number;
  challenger: string;
  /** The executor of the disputed attempt. */
  defender: string | null;
  /** N: the trace index of the disputed final state. */
  traceLength: number;
  outcome: Outcome;
  endedBy: 'proveStep' | 'timeout' | 'closeStaleGame' | null;
  /** Who ran out of its clock, for a game ended by timeout. */
  timedOut: 'defender' | 'challenger' | null;
  /** Whose move it is, for an open game. */
  toMove: 'defender' | 'challenger' | null;
  /** Whether the winner is the side the local re-execution supports; null while open or when closed stale. */
  rightSideWon: boolean | null;
  defenderHashes: PostedHash[];
  /** The lowest posted index whose hash differs from the local one, and the highest agreed index below it. */
  firstDisagreement: { index: number; posted: string; local: string; lastAgreedIndex: number | null } | null;
  moves: MoveAudit[];
  decisiveStep: DecisiveStep | null;
}

export interface ResultAudit {
  attempt: number;
  executor: string | null;
  block: number;
  tx: string;
  finalStateHash: string;
  traceLength: number;
  status: string;
  trap: string | null;
  exitCode: number | null;
  steps: number;
  outputDigest: string;
  /** The local state hash at the result's trace length. */
  localStateHash: string;
  matchesLocal: boolean;
  fate: 'finalized' | 'rejected' | 'pending';
}

export interface AuditReport {
  market: string;
  chainId: number;
  jobId: string;
  job: {
    submitter: string;
    fee: string;
    initialStateHash: string;
    moduleHash: string;
    inputHash: string;
    maxSteps: number;
    postedBlock: number;
    /** The job's state on chain now, and its current attempt. */
    state: JobState;
    attempt: number;
  };
  /** Where the module and input came from, and the argv the input blob carries. */
  material: { source: 'local' | 'network'; args: string[]; inputBytes: number };
  /** The local re-execution's final state. */
  local: { traceLength: number; steps: number; status: string; trap: string | null; exitCode: number | null; finalStateHash: string; outputDigest: string };
  results: ResultAudit[];
  games: GameAudit[];
  /** One line: what became of the job, and whether that agrees with the re-execution. */
  outcome: string;
}

/** Blobs kept in memory: an audit fetches two and forgets them. */
export function memoryBlobStore(): BlobStore {
  const blobs = new Map<string, Uint8Array>();
  return createBlobStore({
    get: async (key) => blobs.get(key),
    put: async (key, value) => void blobs.set(key, value),
    has: async (key) => blobs.has(key),
  });
}

async function onChain<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    throw new ChainError(what, e);
  }
}

/** Trace indices fit a JS number: the market bounds them by maxSteps + 1, a safe integer. */
function index(value: bigint): number {
  const i = Number(value);
  if (!Number.isSafeInteger(i)) throw new Error(`trace index ${value} is out of range`);
  return i;
}

const lower = (hash: string): string => hash.toLowerCase();

const STATUS_NAMES = ['running', 'exited', 'trapped', 'out-of-steps'];
const TRAP_NAMES = new Map(Object.entries(TRAP_CODES).map(([message, code]) => [code, message]));

async function loadMaterial(options: AuditOptions, history: JobHistory): Promise<{ job: PreparedJob; source: 'local' | 'network' }> {
  const spec = history.posted.spec;
  if (options.material) {
    try {
      return { job: checkJobMaterial(spec, options.material.module, encodeJobInput(options.material.input)), source: 'local' };
    } catch (e) {
      if (!(e instanceof JobMaterialError)) throw e;
      throw new AuditError(`the given files are not job ${history.jobId}'s: ${e.message}` +
        (/^input /.test(e.message) ? " (argv[0] is the module's file name; pass the job's arguments after --)" : ''));
    }
  }
  try {
    return { job: await fetchJob(spec, { blobs: memoryBlobStore(), p2p: options.p2p ?? null, market: options.market }), source: 'network' };
  } catch (e) {
    if (e instanceof BlobUnavailableError) throw new BlobUnavailableError(`${e.message} (give the job's files with --module and --input)`);
    if (e instanceof JobMaterialError) throw new JobMaterialError(`the blobs published for job ${history.jobId} do not make it: ${e.message}`);
    throw e;
  }
}

/** Audits job `options.jobId` from the market's events and a local re-execution. */
export async function auditJob(options: AuditOptions): Promise<AuditReport> {
  const { market, jobId } = options;
  const events = await onChain('reading the market events', () => market.allEvents());
  const history = jobHistory(events, jobId);
  if (history === null) throw new AuditError(`job ${jobId} does not exist on market ${market.address}`);
  let games = history.games;
  if (options.gameId !== undefined && options.gameId !== null) {
    games = games.filter((g) => g.started.gameId === options.gameId);
    if (games.length === 0) throw new AuditError(`game ${options.gameId} is not a game of job ${jobId}`);
  }
  const now = await onChain('reading the job', () => market.getJob(jobId));

  const { job, source } = await loadMaterial(options, history);
  const trace = await Trace.record(job.loaded, job.input, job.limits, { onProgress: options.onProgress });

  // Every index the audit compares, hashed in one ascending pass.
  const wanted: number[] = history.results.map((r) => index(r.result.traceLength));
  for (const g of games) wanted.push(...postedHashes(g).keys());
  const hashes = new Map<number, string>();
  trace.hashesAt(wanted).forEach((h, k) => hashes.set(wanted[k], h));
  const local = (i: number): string => hashes.get(i) ?? trace.hashAt(i);

  const finalClaim = readClaim(trace.finalHeader());
  const results = history.results.map((r) => auditResult(r, history, local));
  // The verifier the market itself calls (immutable in it), read only when a game needs it.
  let verifierAddress: string | null = null;
  const gameAudits: GameAudit[] = [];
  for (const g of games) {
    const audit = auditGame(g, history, local);
    const range = finalRange(g);
    if (range.length === 1) {
      verifierAddress ??= await onChain('reading the market\'s verifier', async () =>
        String(await market.contract.getFunction('verifier').staticCall()));
      audit.decisiveStep = await decisiveStep(trace, range, market, verifierAddress);
    }
    gameAudits.push(audit);
  }

  const report: AuditReport = {
    market: market.address,
    chainId: market.deployment.chainId,
    jobId: jobId.toString(),
    job: {
      submitter: history.posted.submitter, fee: history.posted.fee.toString(), initialStateHash: lower(history.posted.spec.initialStateHash),
      moduleHash: lower(history.posted.spec.moduleHash), inputHash: lower(history.posted.spec.inputHash),
      maxSteps: index(history.posted.spec.maxSteps), postedBlock: history.posted.block, state: now.state, attempt: now.attempt,
    },
    material: { source, args: job.input.args, inputBytes: job.input.input.length },
    local: {
      traceLength: trace.length, steps: trace.steps, status: finalClaim.status, trap: finalClaim.trap, exitCode: finalClaim.exitCode,
      finalStateHash: finalClaim.stateHash, outputDigest: finalClaim.outputDigest,
    },
    results,
    games: gameAudits,
    outcome: '',
  };
  report.outcome = summarize(report, history.games.length);
  return report;
}

function auditResult(r: JobHistory['results'][number], history: JobHistory, local: (i: number) => string): ResultAudit {
  const traceLength = index(r.result.traceLength);
  const localStateHash = local(traceLength);
  const finalized = history.finalized !== null && r === history.results[history.results.length - 1];
  const rejected = history.reopened.some((e) => e.attempt > r.attempt);
  return {
    attempt: r.attempt, executor: history.claims.get(r.attempt)?.executor ?? null, block: r.block, tx: r.tx,
    finalStateHash: lower(r.result.finalStateHash), traceLength,
    status: STATUS_NAMES[r.result.status] ?? `status ${r.result.status}`,
    trap: r.result.trapCode === 0 ? null : TRAP_NAMES.get(r.result.trapCode) ?? `trap ${r.result.trapCode}`,
    exitCode: r.result.status === 1 ? r.result.exitCode : null,
    steps: index(r.result.steps), outputDigest: lower(r.result.outputDigest), localStateHash,
    matchesLocal: localStateHash === lower(r.result.finalStateHash),
    fate: finalized ? 'finalized' : rejected ? 'rejected' : 'pending',
  };
}

/** The indices and hashes of a dissected list (both ends included), from its event. */
function listPoints(d: Extract<GameHistory['moves'][number], { name: 'Dissected' }>): { points: number[]; hashes: string[] } {
  const hashes = [d.startHash, ...d.middle, d.endHash].map(lower);
  const n = hashes.length - 1; // the segment count the market enforced
  const points = hashes.map((_, j) => index(boundary(d.start, d.length, n, j)));
  return { points, hashes };
}

/** Every hash the defender stands behind, by trace index: the claim's ends and each dissection. */
function postedHashes(game: GameHistory): Map<number, string> {
  const posted = new Map<number, string>();
  posted.set(0, lower(game.started.startHash));
  posted.set(index(game.started.length), lower(game.started.endHash));
  for (const move of game.moves) {
    if (move.name !== 'Dissected') continue;
    const { points, hashes } = listPoints(move);
    points.forEach((p, j) => {
      if (!posted.has(p)) posted.set(p, hashes[j]);
    });
  }
  return posted;
}

interface RangeNow {
  start: number;
  length: number;
  startHash: string;
  endHash: string;
}

/** The range the game stands on after its last move. */
function finalRange(game: GameHistory): RangeNow {
  let range: RangeNow = { start: 0, length: index(game.started.length), startHash: lower(game.started.startHash), endHash: lower(game.started.endHash) };
  for (const move of game.moves) {
    if (move.name === 'Chosen') {
      range = { start: index(move.start), length: index(move.length), startHash: lower(move.startHash), endHash: lower(move.endHash) };
    }
  }
  return range;
}

/** Checks one game move by move against the local hashes (`local(i)`: the state hash at trace index i). */
export function auditGame(game: GameHistory, history: JobHistory, local: (i: number) => string): GameAudit {
  const s = game.started;
  const N = index(s.length);
  const defender = history.claims.get(s.attempt)?.executor ?? null;
  const moves: MoveAudit[] = [];
  const challengeRight = local(N) !== lower(s.endHash);
  moves.push({
    kind: 'challenge', by: 'challenger', account: s.challenger, block: s.block, tx: s.tx, start: 0, length: N,
    matchesLocal: challengeRight,
    note: challengeRight ? `the claimed state at ${N} is not the local one` : `the claimed state at ${N} is the local one`,
  });

  let range: RangeNow = { start: 0, length: N, startHash: lower(s.startHash), endHash: lower(s.endHash) };
  let turn: 'defender' | 'challenger' | 'step' = N === 1 ? 'step' : 'defender';
  let list: { points: number[]; hashes: string[] } | null = null;
  for (const move of game.moves) {
    if (move.name === 'Dissected') {
      list = listPoints(move);
      const wrong = list.points.findIndex((p, j) => local(p) !== list!.hashes[j]);
      const firstWrongIndex = wrong < 0 ? null : list.points[wrong];
      moves.push({
        kind: 'bisect', by: 'defender', account: defender, block: move.block, tx: move.tx, start: index(move.start),
        length: index(move.length), firstWrongIndex, matchesLocal: wrong < 0,
        note: `${move.middle.length} hashes` + (wrong < 0 ? ', all as re-executed' : `, wrong from index ${firstWrongIndex}`),
      });
      turn = 'challenger';
    } else {
      const expected = list === null ? null : expectedChoice(list, local);
      range = { start: index(move.start), length: index(move.length), startHash: lower(move.startHash), endHash: lower(move.endHash) };
      moves.push({
        kind: 'choose', by: 'challenger', account: s.challenger, block: move.block, tx: move.tx, start: range.start,
        length: range.length, index: move.index, expectedIndex: expected, matchesLocal: move.index === expected,
        note: `segment ${move.index}` +
          (expected === null ? ' (none ends wrong)' : move.index === expected ? '' : ` (the first wrong one is ${expected})`),
      });
      list = null;
      turn = range.length === 1 ? 'step' : 'defender';
    }
  }

  let endedBy: GameAudit['endedBy'] = null;
  let timedOut: GameAudit['timedOut'] = null;
  const end = game.ended;
  if (end !== null) {
    const at = { block: end.block, tx: end.tx, start: range.start, length: range.length };
    if (end.outcome === 'Cancelled') {
      endedBy = 'closeStaleGame';
      moves.push({ kind: 'closeStaleGame', by: 'anyone', account: null, ...at, matchesLocal: null,
        note: 'another game rejected the result first; the challenger got its bond back' });
    } else if (end.outcome === 'ChallengerWon' && turn === 'step') {
      endedBy = 'proveStep';
      const refuted = local(range.start) === range.startHash && local(range.start + 1) !== range.endHash;
      moves.push({ kind: 'proveStep', by: 'challenger', account: s.challenger, ...at, matchesLocal: refuted,
        note: `step ${range.start} proven on chain` });
    } else {
      // The only other ways a game ends: the party to move ran out of its clock.
      endedBy = 'timeout';
      timedOut = end.outcome === 'ChallengerWon' ? 'defender' : 'challenger';
      moves.push({ kind: 'timeout', by: 'anyone', account: null, ...at, matchesLocal: null, note: `the ${timedOut} ran out of its clock` });
    }
  }

  const defenderHashes = [...postedHashes(game)].sort(([a], [b]) => a - b)
    .map(([i, posted]) => ({ index: i, posted, local: local(i), agrees: local(i) === posted }));
  const firstWrong = defenderHashes.find((h) => !h.agrees);
  const lastAgreed = firstWrong === undefined ? undefined : defenderHashes.filter((h) => h.agrees && h.index < firstWrong.index).pop();
  const outcome = end?.outcome ?? 'Open';
  return {
    gameId: s.gameId.toString(), attempt: s.attempt, challenger: s.challenger, defender, traceLength: N, outcome, endedBy, timedOut,
    toMove: end !== null ? null : turn === 'defender' ? 'defender' : 'challenger',
    rightSideWon: outcome === 'ChallengerWon' ? challengeRight : outcome === 'ExecutorWon' ? !challengeRight : null,
    defenderHashes,
    firstDisagreement: firstWrong === undefined ? null : {
      index: firstWrong.index, posted: firstWrong.posted, local: firstWrong.local, lastAgreedIndex: lastAgreed?.index ?? null,
    },
    moves,
    decisiveStep: null,
  };
}

/** The segment an honest challenger picks: the first that starts agreed and ends disputed. */
function expectedChoice(list: { points: number[]; hashes: string[] }, local: (i: number) => string): number | null {
  for (let j = 0; j + 1 < list.points.length; j++) {
    if (local(list.points[j]) === list.hashes[j] && local(list.points[j + 1]) !== list.hashes[j + 1]) return j;
  }
  return null;
}

/** The top `count` operand-stack slots as u64 hex, topmost first (slot i: words 2i low, 2i+1 high). */
function stackTop(machine: Machine, count = 4): string[] {
  const out: string[] = [];
  for (let slot = machine.sp - 1; slot >= 0 && out.length < count; slot--) {
    const hi = (machine.stack[2 * slot + 1] >>> 0).toString(16).padStart(8, '0');
    const lo = (machine.stack[2 * slot] >>> 0).toString(16).padStart(8, '0');
    out.push(`0x${hi}${lo}`);
  }
  return out;
}

function summarizeState(header: Uint8Array, stack: string[]): StateSummary {
  const claim = readClaim(header);
  const h = decodeHeader(header);
  return {
    stateHash: claim.stateHash, status: claim.status, trap: claim.trap, exitCode: claim.exitCode, steps: Number(h.steps),
    pc: h.pc, sp: h.sp, fp: h.fp, stackTop: stack,
  };
}

/** What a row is about, read before it runs: its words, the WASI function it calls, the micro-step register. */
interface RowContext {
  row: number[];
  wasiName: string | null;
  r0: number;
}

function rowContext(machine: Machine): RowContext {
  const at = machine.pc * 4;
  const row = at + 4 <= machine.store.code.length * 4 ? Array.from(machine.store.code.words.subarray(at, at + 4)) : [];
  const f = row[0] === IOp.HOST_CALL ? machine.store.funcs[row[1]] : undefined;
  const wasiName = f?.kind === 'wasi' ? WASI_FUNCTIONS[f.wasiId]?.name ?? null : null;
  return { row, wasiName, r0: machine.regs[0] };
}

/** A readable name for the executed row: the wasm instruction with its immediate, or what the machine row does. */
export function describeInstruction(opcode: number, context: RowContext): string {
  const [, a = 0, b = 0] = context.row;
  switch (opcode) {
    case StepKind.halted: return 'none: the state is halted and maps to itself';
    case StepKind.outOfSteps: return 'none: the step budget is spent, the state becomes out-of-steps';
    case IOp.HOST_CALL:
      return `call ${a} (WASI ${context.wasiName ?? '?'}${context.r0 !== 0 ? `, micro-step r0=${context.r0}` : ''})`;
    case IOp.END_FUNC: return 'end (of a function: return)';
    case IOp.BOOT_EXIT: return 'boot exit (_start returned: exit 0)';
    case IOp.LOCALS: return `locals ${a} (function prologue, ${b} params)`;
    default: break;
  }
  const name = opName(wasmOpOf(opcode));
  if (name === 'i64.const') return `${name} ${BigInt.asIntN(64, (BigInt(b >>> 0) << 32n) | BigInt(a >>> 0))}`;
  if (/^(local|global)\.|^call$|^i32\.const$/.test(name)) return `${name} ${a}`;
  return name;
}

async function decisiveStep(trace: Trace, range: RangeNow, market: MarketClient, verifierAddress: string): Promise<DecisiveStep> {
  // What Trace.proofAt does, keeping the machine and its committer to read both states.
  const machine = trace.stateAt(range.start);
  const committer = new StateCommitter(machine, trace.limits);
  const preStack = stackTop(machine);
  const context = rowContext(machine);
  const step = proveStep(machine, committer);
  const pre = summarizeState(step.proof.subarray(0, HEADER_BYTES), preStack);
  const post = summarizeState(committer.header(), stackTop(machine));

  const proofHex = hexlify(step.proof);
  let verdict: VerifierVerdict;
  try {
    const verifier = new Contract(verifierAddress, STEP_VERIFIER_ABI, market.provider);
    const onchain = lower(String(await verifier.getFunction('verifyStep').staticCall(step.preStateHash, proofHex)));
    verdict = {
      address: verifierAddress, postStateHash: onchain, matchesLocal: onchain === step.postStateHash,
      refutesClaim: onchain !== range.endHash, error: null,
    };
  } catch (e) {
    verdict = { address: verifierAddress, postStateHash: null, matchesLocal: false, refutesClaim: false, error: describeChainError(e) };
  }
  return {
    index: range.start, opcode: step.opcode, instruction: describeInstruction(step.opcode, context), row: context.row, pre, post,
    agreedPreHash: range.startHash, claimedPostHash: range.endHash, claimConfirmed: step.postStateHash === range.endHash,
    proof: proofHex, verifier: verdict,
  };
}

function summarize(report: AuditReport, gameCount: number): string {
  const job = report.job;
  const last = report.results[report.results.length - 1];
  const games = gameCount === 0 ? 'no games' : `${gameCount} game${gameCount === 1 ? '' : 's'}`;
  switch (job.state) {
    case 'Finalized':
      return `finalized with the result of attempt ${last?.attempt ?? '?'} (${last?.matchesLocal ? 'matches' : 'DOES NOT match'} ` +
        `the local re-execution); ${games}`;
    case 'Refunded':
      return `refunded to the submitter; ${games}`;
    case 'Posted':
      return `result of attempt ${last?.attempt ?? '?'} posted, not final yet (${last?.matchesLocal ? 'matches' : 'does not match'} ` +
        `the local re-execution); ${games}`;
    default: {
      const rejected = report.results.filter((r) => r.fate === 'rejected').length;
      return `${job.state.toLowerCase()} (attempt ${job.attempt})` +
        (rejected > 0 ? `, ${rejected} result${rejected === 1 ? '' : 's'} rejected` : '') + `; ${games}`;
    }
  }
}
