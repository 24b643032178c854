#!/usr/bin/env node
// Poses as a native `solc` for forge, backed by the `solc` npm package (solc-js).
// Why: there is no native solc on our machines and forge cannot download one
// (no network besides the npm registry), so foundry.toml points `solc` here.
//
//   solc-shim.mjs --version                 -> "Version: <x.y.z>+commit.<hash>.Linux.g++"
//   solc-shim.mjs [--base-path P] [--include-path P]... [--allow-paths A,B] --standard-json
//                                            -> standard JSON in on stdin, out on stdout
//
// forge normally inlines every source's content in the input; the import callback is
// only a fallback, resolving a path against the base path, include paths, allowed
// paths and the project root, in that order.
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * "0.8.30+commit.73712a01" as the loaded compiler reports it (solc-js appends
 * ".Emscripten.clang"; forge only reads the semver and commit).
 */
function compilerVersion() {
  const long = require('solc').version();
  const match = /^(\d+\.\d+\.\d+)(\+commit\.[0-9a-f]+)?/.exec(long);
  if (!match) throw new Error(`solc-shim: unexpected solc-js version "${long}"`);
  return match[1] + (match[2] ?? '');
}

function parseArgs(argv) {
  const searchRoots = [];
  let wantsVersion = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inlineValue] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    const takeValue = () => inlineValue ?? argv[++i] ?? '';
    switch (flag) {
      case '--version':
        wantsVersion = true;
        break;
      case '--base-path':
      case '--include-path':
        searchRoots.push(takeValue());
        break;
      case '--allow-paths':
        searchRoots.push(...takeValue().split(','));
        break;
      default:
        // --standard-json, --no-import-callback and anything else: nothing to do here.
        break;
    }
  }
  return { wantsVersion, searchRoots: [...searchRoots.filter((p) => p !== ''), projectRoot, process.cwd()] };
}

function makeImportCallback(searchRoots) {
  return (path) => {
    const candidates = isAbsolute(path) ? [path] : searchRoots.map((root) => join(resolve(root), path));
    for (const file of candidates) {
      if (existsSync(file)) return { contents: readFileSync(file, 'utf8') };
    }
    return { error: `solc-shim: file not found: ${path} (searched ${searchRoots.join(', ')})` };
  };
}

const { wantsVersion, searchRoots } = parseArgs(process.argv.slice(2));
if (wantsVersion) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${compilerVersion()}.Linux.g++\n`);
} else {
  const input = readFileSync(0, 'utf8');
  const solc = require('solc');
  process.stdout.write(solc.compile(input, { import: makeImportCallback(searchRoots) }));
}
