import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const shim = join(root, 'scripts', 'solc-shim.mjs');
const solcVersion = (JSON.parse(readFileSync(join(root, 'node_modules', 'solc', 'package.json'), 'utf8')) as {
  version: string;
}).version;

interface CompileOutput {
  errors?: Array<{ severity: string; message: string }>;
  contracts?: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>;
}

function runShim(args: string[], input = ''): { stdout: string; status: number | null } {
  const result = spawnSync(shim, args, { input, encoding: 'utf8' });
  return { stdout: result.stdout, status: result.status };
}

function standardJson(sources: Record<string, string>): string {
  return JSON.stringify({
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    settings: { evmVersion: 'cancun', outputSelection: { '*': { '*': ['evm.bytecode.object'] } } },
  });
}

describe('scripts/solc-shim.mjs', () => {
  let basePath: string;

  beforeAll(() => {
    basePath = mkdtempSync(join(tmpdir(), 'verity-solc-'));
    mkdirSync(join(basePath, 'lib'));
    writeFileSync(join(basePath, 'lib', 'Half.sol'), 'pragma solidity ^0.8.0; library Half { function half(uint x) internal pure returns (uint) { return x / 2; } }');
  });
  afterAll(() => rmSync(basePath, { recursive: true, force: true }));

  it('reports the version of the installed solc package the way native solc does', () => {
    const { stdout, status } = runShim(['--version']);
    expect(status).toBe(0);
    const escaped = solcVersion.replace(/\./g, '\\.');
    expect(stdout).toMatch(new RegExp(`^Version: ${escaped}\\+commit\\.[0-9a-f]{8}\\.Linux\\.g\\+\\+$`, 'm'));
  });

  it('compiles standard JSON, resolving an import that is not inlined against --base-path', () => {
    const input = standardJson({
      'Main.sol': 'pragma solidity ^0.8.0; import "lib/Half.sol"; contract Main { function f(uint x) external pure returns (uint) { return Half.half(x); } }',
    });
    const { stdout, status } = runShim(['--base-path', basePath, '--standard-json'], input);
    expect(status).toBe(0);
    const output = JSON.parse(stdout) as CompileOutput;
    expect((output.errors ?? []).filter((e) => e.severity === 'error')).toEqual([]);
    expect(output.contracts?.['Main.sol']?.['Main']?.evm.bytecode.object).toMatch(/^[0-9a-f]{20,}$/);
  });

  it('reports an import it cannot find as a compiler error naming the file', () => {
    const input = standardJson({ 'Main.sol': 'pragma solidity ^0.8.0; import "lib/Missing.sol"; contract Main {}' });
    const { stdout, status } = runShim(['--base-path', basePath, '--standard-json'], input);
    expect(status).toBe(0);
    const errors = (JSON.parse(stdout) as CompileOutput).errors ?? [];
    expect(errors.some((e) => e.severity === 'error' && e.message.includes('lib/Missing.sol'))).toBe(true);
  });
});
