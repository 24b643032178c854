#!/usr/bin/env node
// `npm test`: every check the project has, in one run, ending with one line
// "N passed, M failed" (CI reads it) and a non-zero exit if anything went wrong.
//
//   1. tsc -p tsconfig.json        build dist/ (type errors fail)
//   2. tsc -p tsconfig.test.json   type-check the test files too (the build excludes them)
//   3. forge build                 contracts/ (the real binary: the npm wrapper always exits 0),
//                                  before vitest: the chain tests deploy its artifacts, and
//                                  parallel test files must not each start a build
//   4. vitest run                  test/**/*.test.ts
//   5. forge test
//
// Every step runs even after an earlier one fails, so one run shows everything.
// M counts failed tests, plus test files that failed to load and steps that failed
// without reporting tests (a tsc error, a forge build error): "0 failed" <=> exit 0.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (path) => join(root, 'node_modules', path);
const forgeBinary = bin('@foundry-rs/forge-linux-amd64/bin/forge');

let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];

/** Runs a command with output forwarded (and, if asked, also captured). */
function run(command, args, { capture = false } = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'] });
    let output = '';
    if (capture) {
      child.stdout.on('data', (chunk) => {
        process.stdout.write(chunk);
        output += chunk.toString('utf8');
      });
    }
    child.on('error', (error) => resolvePromise({ code: null, output, error: error.message }));
    child.on('close', (code, signal) => resolvePromise({ code, output, error: signal ? `killed by ${signal}` : null }));
  });
}

function banner(title) {
  process.stdout.write(`\n=== ${title} ===\n`);
}

function stepFailed(step, result) {
  const why = result.error ?? `exit code ${result.code}`;
  problems.push(`${step}: ${why}`);
  failed += 1;
}

async function typecheck(project) {
  banner(`tsc -p ${project}`);
  const result = await run(process.execPath, [bin('typescript/bin/tsc'), '-p', project]);
  if (result.code !== 0) stepFailed(`tsc -p ${project}`, result);
}

async function vitest() {
  banner('vitest run');
  const reportDir = mkdtempSync(join(tmpdir(), 'verity-vitest-'));
  const reportFile = join(reportDir, 'report.json');
  try {
    const result = await run(process.execPath, [
      bin('vitest/vitest.mjs'),
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${reportFile}`,
    ]);
    const counted = existsSync(reportFile) ? countVitest(JSON.parse(readFileSync(reportFile, 'utf8'))) : null;
    if (counted === null) {
      stepFailed('vitest (no JSON report)', result);
      return;
    }
    passed += counted.passed;
    failed += counted.failed;
    skipped += counted.skipped;
    if (counted.brokenFiles > 0) problems.push(`vitest: ${counted.brokenFiles} test file(s) failed outside any test`);
    if (result.code !== 0 && counted.failed === 0) stepFailed('vitest', result);
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
}

/** Counts from vitest's JSON report (Jest's format). A file that failed to load counts as one failure. */
function countVitest(report) {
  const brokenFiles = report.testResults.filter(
    (file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
  ).length;
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests + brokenFiles,
    skipped: report.numPendingTests + report.numTodoTests,
    brokenFiles,
  };
}

async function forgeBuild() {
  if (!existsSync(forgeBinary)) {
    problems.push(`forge: ${forgeBinary} is missing (run npm install)`);
    failed += 1;
    return false;
  }
  banner('forge build');
  const build = await run(forgeBinary, ['build', '--color', 'never']);
  if (build.code !== 0) {
    stepFailed('forge build', build);
    return false;
  }
  return true;
}

async function forgeTest() {
  banner('forge test');
  const test = await run(forgeBinary, ['test', '--color', 'never'], { capture: true });
  // "Ran 2 test suites in 2.85ms (...): 6 tests passed, 1 failed, 0 skipped (7 total tests)"
  const summary = /(\d+) tests passed, (\d+) failed, (\d+) skipped/.exec(test.output);
  const forgeFailed = summary ? Number(summary[2]) : 0;
  if (summary) {
    passed += Number(summary[1]);
    failed += forgeFailed;
    skipped += Number(summary[3]);
  }
  if (test.code !== 0 && forgeFailed === 0) stepFailed('forge test', test);
}

await typecheck('tsconfig.json');
await typecheck('tsconfig.test.json');
const built = await forgeBuild();
await vitest();
if (built) await forgeTest();

process.stdout.write('\n');
for (const problem of problems) process.stdout.write(`test.mjs: ${problem}\n`);
if (skipped > 0) process.stdout.write(`(${skipped} skipped)\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed > 0 || problems.length > 0 ? 1 : 0;
