// `npm run bench [-- [--quick] [--only NAME[,NAME...]] [--section NAME[,NAME...]]]`: Verity's
// engines against plain V8 (node:wasi) on the committed fixtures and on longer (sustained)
// runs of some of them, the CLI's startup against `node -e 0`, the cost of loading the
// largest module, the verifier's gas and the network's targets (Part 5, a few minutes on an
// embedded chain). Prints Markdown tables (they paste into
// docs/benchmarks.md) and the verdict on each speed target. Speed is only ever stated as
// a ratio to a baseline measured in the same run; tests never assert wall-clock time.

import { arch, cpus, loadavg, platform, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { loadFixtures, type Fixture } from '../test/support/fixtures.js';
import type { FixtureBench, InterpBench, InterpFirst, RepeatPlan } from './fixture-bench.js';
import { formatCount, formatDelta, formatMs, formatRate, formatRatio, markdownTable } from './format.js';
import { benchLoad, largestFixture, type LoadBench } from './load-bench.js';
import { benchStartup, type StartupBench } from './startup-bench.js';
import { probeDeopts, type DeoptProbe } from './deopt-probe.js';
import type { SustainedBench } from './sustained-bench.js';
import type { NetworkBench } from './network-bench.js';
import type { VerifierGasBench } from './verifier-gas-bench.js';
import { interpRatio, judgeTargets, nativeRatio, nativeRatioToBareRun, type Verdict } from './targets.js';

interface BenchPlan extends RepeatPlan {
  interpSettleMs: number;
  startupRuns: number;
  loadRuns: number;
}

const FULL: BenchPlan = { fastRuns: 30, interpRuns: 15, interpBudgetMs: 20_000, interpSettleMs: 1500, startupRuns: 7, loadRuns: 10 };
const QUICK: BenchPlan = { fastRuns: 5, interpRuns: 1, interpBudgetMs: 0, interpSettleMs: 0, startupRuns: 3, loadRuns: 3 };

/** The report's sections, in the order they run. */
const SECTIONS = ['load', 'engines', 'startup', 'verifier-gas', 'network'] as const;
type Section = (typeof SECTIONS)[number];

const USAGE = `usage: npm run bench [-- [--quick] [--only NAME[,NAME...]] [--section NAME[,NAME...]]]
  --quick          fewer repeats (V8/native 5 warm runs, interpreter 1 after its first, startup 3);
                   leaves out the network section unless --section names it
  --only NAMES     only these fixtures and their sustained runs (comma-separated or repeated);
                   startup and load still run
  --section NAMES  only these sections (comma-separated or repeated): ${SECTIONS.join(', ')}
                   (engines = fixtures and sustained runs; network = Part 5, about 4 minutes)`;

class UsageError extends Error {}

interface Options {
  plan: BenchPlan;
  quick: boolean;
  only: string[];
  sections: Set<Section>;
}

function isSection(name: string): name is Section {
  return (SECTIONS as readonly string[]).includes(name);
}

function selectSections(names: readonly string[], quick: boolean): Set<Section> {
  if (names.length === 0) return new Set(SECTIONS.filter((s) => !(quick && s === 'network')));
  const unknown = names.filter((name) => !isSection(name));
  if (unknown.length > 0) throw new UsageError(`unknown section ${unknown.join(', ')} (sections: ${SECTIONS.join(', ')})`);
  return new Set(names.filter(isSection));
}

function parseOptions(argv: string[]): Options | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string', multiple: true, default: [] },
        section: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values.help) return null;
  const quick = parsed.values.quick;
  const list = (values: string[]) => values.flatMap((names) => names.split(',')).filter((name) => name !== '');
  const only = list(parsed.values.only);
  return { plan: quick ? QUICK : FULL, quick, only, sections: selectSections(list(parsed.values.section), quick) };
}

function selectFixtures(all: readonly Fixture[], only: readonly string[]): Fixture[] {
  if (only.length === 0) return [...all];
  const known = new Set(all.map((f) => f.name));
  const unknown = only.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new UsageError(`unknown fixture ${unknown.join(', ')} (fixtures: ${[...known].join(', ')})`);
  }
  return all.filter((f) => only.includes(f.name));
}

/**
 * node:wasi warns that it is experimental when it is first loaded; that is expected here.
 * Call before the first import of ./fixture-bench.js, which loads node:wasi.
 */
function silenceWasiWarning(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'ExperimentalWarning' && /WASI/.test(warning.message)) return;
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function machineLine(): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? 'unknown CPU';
  const memGiB = (totalmem() / 2 ** 30).toFixed(1);
  return `${platform()} ${arch()}, ${cores.length} x ${model}, ${memGiB} GiB RAM, Node ${process.version}`;
}

/** Other processes on the machine skew timings: the bench states how busy it was. */
function loadLine(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' / ');
}

function planLine(options: Options): string {
  const p = options.plan;
  const interp = p.interpRuns === 1 ? '1 warm run' :
    `best of up to ${p.interpRuns} warm runs (none started past ${p.interpBudgetMs / 1000} s per fixture), ` +
    `after ${p.interpSettleMs / 1000} s of untimed runs for V8 to finish optimizing it`;
  return `${options.quick ? 'quick' : 'full'} run: V8 and native best of ${p.fastRuns} warm runs each, ` +
    `interpreter ${interp}, CLI ${p.startupRuns} spawns per command`;
}

function engineTables(results: readonly FixtureBench[]): string {
  const times = markdownTable(
    ['fixture', 'steps', 'V8 1st', 'V8', 'V8 setup', 'native 1st', 'native', 'interp 1st', 'interp', 'runs V8/nat/int'],
    results.map((r) => [
      r.name,
      formatCount(r.steps),
      formatMs(r.v8.firstMs),
      formatMs(r.v8.totalMs),
      formatMs(r.v8.setupMs),
      formatMs(r.native.firstMs),
      formatMs(r.native.warmMs),
      formatMs(r.interp.firstMs),
      formatMs(r.interp.ms),
      `${r.v8.runs}/${r.native.runs}/${r.interp.runs}`,
    ]),
  );
  const rates = markdownTable(
    ['fixture', 'V8 Msteps/s', 'native Msteps/s', 'interp Msteps/s', 'native/V8', 'native/V8 bare run', 'interp/V8', 'native engine', 'results'],
    results.map((r) => [
      r.name,
      formatRate(r.steps, r.v8.totalMs),
      formatRate(r.steps, r.native.warmMs),
      formatRate(r.steps, r.interp.ms),
      formatRatio(nativeRatio(r)),
      formatRatio(nativeRatioToBareRun(r)),
      formatRatio(interpRatio(r)),
      r.native.fallback === null ? 'finishes' : `falls back (${r.native.fallback})`,
      r.problems.length === 0 ? 'right' : 'WRONG',
    ]),
  );
  return [
    '### Wall time (ms)',
    '',
    'Best of the warm runs (other processes share the machine and can only add time).',
    'V8 = node:wasi on the same module, instance setup + run; "V8 setup" = WASI object + instantiate.',
    '"1st" = the first run, compilation included (native: also instrumentation and encoding;',
    'interp: its JIT warm-up). native = a run with the compiled module cached (instantiation and',
    'host included). Steps are the machine\'s exact count (native and interp agree); V8 counts',
    'none, its rate below uses the same count. The interpreter runs on every fixture before',
    'V8 or native runs on any: node:wasi detaches ArrayBuffers (memory.grow), which slows',
    'typed arrays in the whole process for good; Verity never does (bench/fixture-bench.ts).',
    '',
    times,
    '',
    '### Throughput and ratios (best warm runs; Msteps/s = machine steps per second / 1e6)',
    '',
    'native/V8 and interp/V8 compare whole warm runs (instance setup included on both sides).',
    '"native/V8 bare run" divides by V8\'s run alone, without its setup: the strictest reading.',
    '',
    rates,
  ].join('\n');
}

function sustainedTable(results: readonly SustainedBench[]): string {
  return [
    '### Sustained runs: native vs V8 (larger argv or input, so that execution dominates; best warm runs)',
    '',
    '"V8+host" = the original module on V8 with Verity\'s WASI host and nothing counted. It splits',
    'native/V8 into host (V8+host / V8: WASI as 32-byte micro-steps in JS vs node:wasi) times',
    'instrumentation (native / V8+host: step counting, guards, NaN rule).',
    '',
    markdownTable(
      ['run', 'steps', 'V8 ms', 'V8 setup', 'V8+host ms', 'native ms', 'native Msteps/s', 'host', 'instrumentation', 'native/V8', 'native engine', 'results'],
      results.map((r) => [
        r.label,
        formatCount(r.steps),
        formatMs(r.v8.totalMs),
        formatMs(r.v8.setupMs),
        formatMs(r.verityHostMs),
        formatMs(r.native.warmMs),
        formatRate(r.steps, r.native.warmMs),
        formatRatio(r.verityHostMs / r.v8.totalMs),
        formatRatio(r.native.warmMs / r.verityHostMs),
        formatRatio(nativeRatio(r)),
        r.native.fallback === null ? 'finishes' : `falls back (${r.native.fallback})`,
        r.problems.length === 0 ? 'right' : 'WRONG',
      ]),
    ),
  ].join('\n');
}

function startupTable(bench: StartupBench, runs: number): string {
  const baseline = bench.rows[0];
  return [
    `### CLI startup (whole process, ${runs} spawns each)`,
    '',
    markdownTable(
      ['command', 'min ms', 'median ms', 'min - node -e 0', 'median - node -e 0'],
      bench.rows.map((row) => [
        row.label,
        formatMs(row.minMs),
        formatMs(row.medianMs),
        row === baseline ? '-' : formatDelta(row.minMs - baseline.minMs),
        row === baseline ? '-' : formatDelta(row.medianMs - baseline.medianMs),
      ]),
    ),
  ].join('\n');
}

function loadTable(bench: LoadBench, runs: number): string {
  return [
    `### Loading the largest module (${bench.fixture}, ${formatCount(bench.wasmBytes)} bytes)`,
    '',
    markdownTable(
      ['stage', 'first ms', `best of ${runs - 1} warm ms`],
      bench.stages.map((s) => [s.stage, formatMs(s.firstMs), formatMs(s.bestMs)]),
    ),
  ].join('\n');
}

function verdictLines(verdicts: readonly Verdict[]): string {
  const word = (met: boolean | null): string => (met === null ? 'NOT MEASURED' : met ? 'MET' : 'NOT MET');
  return ['### Targets', '', ...verdicts.map((v) => `- ${v.target}: **${word(v.met)}** (${v.detail})`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  let options: Options | null;
  let selected: Fixture[];
  const all = loadFixtures();
  try {
    options = parseOptions(argv);
    if (options === null) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    selected = selectFixtures(all, options.only);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  silenceWasiWarning();
  const { benchFixture, benchInterpreter, interpreterFirstRun, settleInterpreter } = await import('./fixture-bench.js');
  const { SUSTAINED_WORKLOADS, benchSustained, workloadLabel } = await import('./sustained-bench.js');
  const started = performance.now();
  const plan = options.plan;
  const run = (section: Section): boolean => options.sections.has(section);
  const out: string[] = [
    '## Verity benchmark run',
    '',
    `- date: ${new Date().toISOString()}`,
    `- machine: ${machineLine()}`,
    `- load average at start (1/5/15 min): ${loadLine()}`,
  ];
  if (run('load') || run('engines') || run('startup')) out.push(`- ${planLine(options)}`);
  if (options.sections.size < SECTIONS.length) out.push(`- sections: ${SECTIONS.filter(run).join(', ')}`);
  out.push('');

  // First, while the process has not run the decoder yet: its "first" column is cold.
  let load: LoadBench | null = null;
  if (run('load')) {
    const largest = largestFixture(all);
    progress(`loading ${largest.name} (decode, validate, instrument, compile)`);
    load = await benchLoad(largest, plan.loadRuns);
  }

  const results: FixtureBench[] = [];
  const sustained: SustainedBench[] = [];
  let deopt: DeoptProbe | null = null;
  if (run('engines')) {
    // The interpreter first, on every fixture: see benchInterpreter.
    const firsts: InterpFirst[] = [];
    for (const fixture of selected) firsts.push(await interpreterFirstRun(fixture));
    await settleInterpreter(selected, plan.interpSettleMs);
    const interp: InterpBench[] = [];
    for (const [k, fixture] of selected.entries()) {
      const t = performance.now();
      interp.push(await benchInterpreter(fixture, plan, firsts[k]));
      progress(`${fixture.name}: interpreter done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    for (const [k, fixture] of selected.entries()) {
      const t = performance.now();
      results.push(await benchFixture(fixture, plan, interp[k]));
      progress(`${fixture.name}: V8 and native done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    progress('interpreter deoptimizations (a child under --trace-deopt)');
    deopt = probeDeopts(selected);
    for (const workload of SUSTAINED_WORKLOADS) {
      const fixture = selected.find((f) => f.name === workload.fixture);
      if (fixture === undefined) continue;
      const t = performance.now();
      sustained.push(await benchSustained(workload, fixture, plan.fastRuns));
      progress(`${workloadLabel(workload, fixture)} done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  }

  let startup: StartupBench | null = null;
  const exitCode = all.find((f) => f.name === 'exit_code');
  if (run('startup') && exitCode !== undefined) {
    progress('CLI startup');
    startup = benchStartup(exitCode, plan.startupRuns);
  }
  const verityRun = startup?.rows.find((row) => row.label === `verity run ${exitCode?.name}`);

  const { benchVerifierGas, verifierGasTables } = await import('./verifier-gas-bench.js');
  let verifierGas: VerifierGasBench | null = null;
  if (run('verifier-gas')) {
    progress('verifier gas (anvil, proof vectors)');
    verifierGas = await benchVerifierGas(progress);
  }

  const { benchNetwork, judgeNetwork, networkProblems, networkTables } = await import('./network-bench.js');
  let network: NetworkBench | null = null;
  if (run('network')) {
    progress('network (embedded chain and p2p; about 4 minutes)');
    network = await benchNetwork(progress);
  }

  if (run('engines')) {
    out.push(engineTables(results), '');
    if (sustained.length > 0) out.push(sustainedTable(sustained), '');
    if (deopt !== null) {
      out.push(`Deoptimizations of the interpreter loop (every fixture, 3 runs and a sliced run, in a child under \`--trace-deopt\`): ` +
        `${deopt.deopts.length === 0 ? 'none' : deopt.deopts.join('; ')}.`, '');
    }
  }
  if (startup !== null) out.push(startupTable(startup, plan.startupRuns), '');
  if (load !== null) out.push(loadTable(load, plan.loadRuns), '');
  if (verifierGas !== null) out.push(verifierGasTables(verifierGas), '');
  if (network !== null) out.push(networkTables(network), '');
  const verdicts = [
    ...(run('engines') || run('startup') ? judgeTargets(results, sustained, verityRun) : []),
    ...(network !== null ? judgeNetwork(network) : []),
  ];
  if (verdicts.length > 0) out.push(verdictLines(verdicts));
  const problems = [
    ...results.flatMap((r) => r.problems),
    ...sustained.flatMap((s) => s.problems),
    ...(deopt?.problems ?? []),
    ...(startup?.problems ?? []),
    ...(verifierGas?.problems ?? []),
    ...(network !== null ? networkProblems(network) : []),
  ];
  if (problems.length > 0) out.push('', '### Problems (timings of wrong results mean nothing)', '', ...problems.map((p) => `- ${p}`));
  out.push('', `Bench time: ${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end: ${loadLine()}.`);
  process.stdout.write(out.join('\n') + '\n');
  return problems.length === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
