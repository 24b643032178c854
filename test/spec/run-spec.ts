// `npm run spec`: runs the official WebAssembly spec suite on the interpreter.
//
//   node dist/test/spec/run-spec.js [--verbose] [--wording] [NAME...]
//
// One line per script ("NAME: P passed, F failed"), then the text-format assertions
// skipped, then "N passed, M failed" alone on the last line; exit code 1 if M > 0.
// --verbose prints every failure (script line, command, reason); --wording prints how
// often our error messages differ from the reference interpreter's (kinds always agree,
// else it is a failure). NAMEs keep the scripts whose name contains one of them.

import {
  defaultSpecDir, interpreterEngine, listScripts, runSuite, wordingHistogram, type ScriptResult,
} from './harness.js';

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

  const started = performance.now();
  const report = (r: ScriptResult): void => {
    process.stdout.write(`${r.name}: ${r.passed} passed, ${r.failed} failed\n`);
    if (!verbose) return;
    for (const f of r.failures) process.stdout.write(`  ${r.name}.wast:${f.line}: ${f.command}: ${f.reason}\n`);
  };
  const suite = runSuite(interpreterEngine, scripts, report);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);

  const histogram = wordingHistogram(suite.scripts);
  if (wording) {
    for (const { key, count } of histogram) process.stdout.write(`  ${String(count).padStart(5)}  ${key}\n`);
  }
  const differing = histogram.reduce((n, h) => n + h.count, 0);
  process.stdout.write(`error wording differs from the reference: ${differing} (see --wording)\n`);
  process.stdout.write(`time: ${seconds} s\n`);
  process.stdout.write(`skipped text-format: ${suite.skippedText}\n`);
  process.stdout.write(`${suite.passed} passed, ${suite.failed} failed\n`);
  return suite.failed > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
