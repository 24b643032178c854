// `npm run spec`: runs the official WebAssembly spec suite on the native engine
// (instrumented V8) and on the interpreter.
//
//   node dist/test/spec/run-spec.js [--verbose] [--wording] [NAME...]
//
// Per engine, a block: "== ENGINE", one line per script ("NAME: P passed, F failed"),
// the skipped assertions, then "ENGINE: P passed, F failed". The last line sums both
// engines: "N passed, M failed"; exit code 1 if M > 0.
// --verbose prints every failure (script line, command, reason); --wording prints how
// often our error messages differ from the reference interpreter's (kinds always agree,
// else it is a failure). NAMEs keep the scripts whose name contains one of them.

import {
  defaultSpecDir, interpreterEngine, listScripts, runSuite, wordingHistogram,
  type ScriptResult, type SpecEngine, type SuiteResult,
} from './harness.js';
import { nativeEngine } from './native-engine.js';

function main(argv: string[]): number {
  const verbose = argv.includes('--verbose');
  const wording = argv.includes('--wording');
  const unknown = argv.filter((a) => a.startsWith('-') && a !== '--verbose' && a !== '--wording');
  if (unknown.length > 0) {
    process.stderr.write(`run-spec: unknown option ${unknown[0]} (options: --verbose, --wording)\n`);
    return 2;
  }
  const filters = argv.filter((a) => !a.startsWith('-'));
  const scripts = listScripts(defaultSpecDir(), filters);
  if (scripts.length === 0) {
    process.stderr.write(`run-spec: no script matches ${filters.join(' ')}\n`);
    return 2;
  }

  const native = runEngine(nativeEngine, scripts, verbose, wording);
  const interpreter = runEngine(interpreterEngine, scripts, verbose, wording);
  const passed = native.passed + interpreter.passed;
  const failed = native.failed + interpreter.failed;
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

/** One engine's block: its scripts, counts and its own "N passed, M failed" line. */
function runEngine<I>(engine: SpecEngine<I>, scripts: string[], verbose: boolean, wording: boolean): SuiteResult {
  process.stdout.write(`== ${engine.name}\n`);
  const started = performance.now();
  const report = (r: ScriptResult): void => {
    process.stdout.write(`${r.name}: ${r.passed} passed, ${r.failed} failed\n`);
    if (!verbose) return;
    for (const f of r.failures) process.stdout.write(`  ${r.name}.wast:${f.line}: ${f.command}: ${f.reason}\n`);
  };
  const suite = runSuite(engine, scripts, report);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);

  const histogram = wordingHistogram(suite.scripts);
  if (wording) {
    for (const { key, count } of histogram) process.stdout.write(`  ${String(count).padStart(5)}  ${key}\n`);
  }
  const differing = histogram.reduce((n, h) => n + h.count, 0);
  process.stdout.write(`error wording differs from the reference: ${differing} (see --wording)\n`);
  if (engine.assertions !== undefined) {
    process.stdout.write(`skipped, not run on ${engine.name}: ${suite.skippedEngine} (${[...engine.assertions].join(', ')} run)\n`);
    process.stdout.write(`traps matched loosely (${engine.name} cannot tell the kind): ${suite.looseTraps}\n`);
  }
  process.stdout.write(`time: ${seconds} s\n`);
  process.stdout.write(`skipped text-format: ${suite.skippedText}\n`);
  process.stdout.write(`${engine.name}: ${suite.passed} passed, ${suite.failed} failed\n`);
  return suite;
}

process.exitCode = main(process.argv.slice(2));
