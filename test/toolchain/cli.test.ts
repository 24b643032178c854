import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { UsageError } from '../../cli/errors.js';
import { main, packageVersion, type Registrar } from '../../cli/verity.js';

const root = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

/** A command whose action throws `error`. */
function failing(name: string, error: unknown): Registrar {
  return (program: Command) => {
    program.command(name).action(() => {
      throw error;
    });
  };
}

describe('verity CLI errors', () => {
  let stderr: MockInstance<typeof process.stderr.write>;
  let stdout: MockInstance<typeof process.stdout.write>;

  beforeEach(() => {
    stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    delete process.env.VERITY_DEBUG;
  });
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env.VERITY_DEBUG;
  });

  const errText = () => stderr.mock.calls.map((call) => String(call[0])).join('');

  it('prints a usage error as one line and exits 2', async () => {
    const code = await main(['node', 'verity', 'load'], [failing('load', new UsageError('no such file: job.wasm'))]);
    expect(code).toBe(2);
    expect(errText()).toBe('verity: no such file: job.wasm\n');
  });

  it('treats a refused module (WasmError) as input: exit 2', async () => {
    const wasmError = Object.assign(new Error('malformed module: magic header not detected'), { name: 'WasmError' });
    const code = await main(['node', 'verity', 'load'], [failing('load', wasmError)]);
    expect(code).toBe(2);
    expect(errText()).toBe('verity: malformed module: magic header not detected\n');
  });

  it('exits 1 on other errors and folds a multi-line message into one line', async () => {
    const code = await main(['node', 'verity', 'go'], [failing('go', new Error('rpc failed\n  at block 7'))]);
    expect(code).toBe(1);
    expect(errText()).toBe('verity: rpc failed at block 7\n');
  });

  it('prints the stack only with VERITY_DEBUG=1', async () => {
    process.env.VERITY_DEBUG = '1';
    await main(['node', 'verity', 'go'], [failing('go', new Error('boom'))]);
    const lines = errText().split('\n');
    expect(lines[0]).toBe('verity: boom');
    expect(lines[1]).toBe('Error: boom');
    expect(lines.slice(2).some((line) => line.trim().startsWith('at '))).toBe(true);
  });

  it("reports commander's parse errors in the same format, exit 2", async () => {
    expect(await main(['node', 'verity', '--bogus'], [])).toBe(2);
    expect(errText()).toBe("verity: unknown option '--bogus'\n");
    stderr.mockClear();
    const registrars = [failing('run', new Error('unused'))];
    expect(await main(['node', 'verity', 'rnu'], registrars)).toBe(2);
    expect(errText()).toBe("verity: unknown command 'rnu' (Did you mean run?)\n");
  });

  it('prints the version from package.json and exits 0', async () => {
    expect(packageVersion()).toBe(manifest.version);
    expect(await main(['node', 'verity', '--version'], [])).toBe(0);
    expect(stdout.mock.calls.map((call) => String(call[0])).join('')).toBe(`${manifest.version}\n`);
    expect(errText()).toBe('');
  });

  it('shows help and exits 2 when no command is given', async () => {
    expect(await main(['node', 'verity'], [failing('run', new Error('unused'))])).toBe(2);
    expect(errText()).toMatch(/^Usage: verity \[options\] \[command\]/);
  });
});

describe('bin/verity.js', () => {
  it('runs the built CLI (npm test builds dist/ first)', () => {
    const result = spawnSync(process.execPath, [join(root, 'bin', 'verity.js'), '--version'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${manifest.version}\n`);
    expect(result.status).toBe(0);
  });

  it('says how to build when dist/ is missing', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'verity-bin-'));
    try {
      mkdirSync(join(scratch, 'bin'));
      copyFileSync(join(root, 'bin', 'verity.js'), join(scratch, 'bin', 'verity.js'));
      const result = spawnSync(process.execPath, [join(scratch, 'bin', 'verity.js'), '--version'], {
        encoding: 'utf8',
      });
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toContain('npm run build');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
