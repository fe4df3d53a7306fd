import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli';

const CONFIGS = join(REPO_ROOT, 'test', 'fixtures', 'config');
const SECRETS = {
  SW_B_PASS: 'sw-b-secret-pass',
  TRAP_AUTH: 'trap-auth-secret',
  TRAP_PRIV: 'trap-priv-secret',
};

describe('nicwatch validate', () => {
  it('prints every error of a broken file with its path and exits 2', async () => {
    const run = await runCli(['validate', '-c', join(CONFIGS, 'broken.yaml')], {
      env: { SW_C_PASS: '' },
    });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toContain('devices[2].groups[0].legs[1].switch: unknown device "sw-b"');
    expect(lines).toContain(
      'devices[2].groups[0].legs[2].switch: "srv1" is a server, not a switch',
    );
    expect(lines).toContain('redis.prefx: unknown key');
    expect(lines).toContain('devices[3].name: duplicate device name "sw-a" (also devices[0])');
    expect(
      lines.length,
      `got ${lines.length} lines, want one per error:\n${run.stderr}`,
    ).toBeGreaterThanOrEqual(9);
    expect(run.stdout).toBe('');
  });

  it('names a missing environment variable at its path', async () => {
    const run = await runCli(['validate', '-c', join(CONFIGS, 'contract-example.yaml')], {
      env: { SW_B_PASS: undefined, TRAP_AUTH: 'trap-auth-secret', TRAP_PRIV: 'trap-priv-secret' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'devices[1].netconf.password: environment variable "SW_B_PASS" is not set',
    );
  });

  it('accepts the contract example and says what it holds', async () => {
    const run = await runCli(['validate', '-c', join(CONFIGS, 'contract-example.yaml')], {
      env: SECRETS,
    });
    expect(run.stderr).toMatch(/contract-example\.yaml: OK, 3 devices, 1 group\n$/);
    expect(run.code).toBe(0);
  });

  it('--print shows defaults and never a secret', async () => {
    const run = await runCli(
      ['validate', '-c', join(CONFIGS, 'contract-example.yaml'), '--print'],
      { env: SECRETS },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('staleAfterS: 90');
    expect(run.stdout).toContain('name: srv1');
    for (const secret of [...Object.values(SECRETS), 'public'])
      expect(run.stdout).not.toContain(secret);
  });

  it('reads ./nicwatch.yaml by default and says when it is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nicwatch-validate-'));
    const run = await runCli(['validate'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/nicwatch\.yaml/);
    writeFileSync(join(dir, 'nicwatch.yaml'), 'pollIntervalS: 15\n');
    const ok = await runCli(['validate'], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('shows a YAML syntax error with its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nicwatch-validate-'));
    writeFileSync(join(dir, 'bad.yaml'), 'redis:\n  url: [unclosed\napi: {}\n');
    const run = await runCli(['validate', '-c', join(dir, 'bad.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/line \d+/);
  });
});

describe('nicwatch command line', () => {
  it('--version prints the package version', async () => {
    const run = await runCli(['--version']);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(run.code).toBe(0);
  });

  it.each([['--help'], ['check', '--help'], ['validate', '--help']])(
    '%s %s prints usage',
    async (...args) => {
      const run = await runCli(args.filter(Boolean));
      expect(run.stdout).toMatch(/Usage: nicwatch/);
      expect(run.code).toBe(0);
    },
  );

  it('an unknown command is a usage error with status 2', async () => {
    const run = await runCli(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
