import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');
export const NICWATCH_BIN = join(REPO_ROOT, 'dist', 'cli', 'nicwatch.js');
export const CHECK_NICWATCH_BIN = join(REPO_ROOT, 'dist', 'cli', 'check-nicwatch.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Runs the built program as a user would; `npm test` builds first. */
export function runCli(
  args: string[],
  options: { bin?: string; stdin?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliRun> {
  const bin = options.bin ?? NICWATCH_BIN;
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build`);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...shebangNodeOptions(bin), bin, ...args], {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, elapsedMs: Date.now() - started }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** The node options of the bin's `#!/usr/bin/env -S node ...` line, so tests run it as installed. */
export function shebangNodeOptions(bin: string): string[] {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0] ?? '';
  const match = /^#!\/usr\/bin\/env -S node(.*)$/.exec(first);
  return match?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}

/**
 * A `check_nicwatch` in `dir` as an NMS runs plugins (`$USER1$/check_nicwatch`,
 * `PluginDir + "/check_nicwatch"`): the built plugin with the Node options of its `#!` line.
 */
export function writePluginWrapper(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'check_nicwatch');
  const options = shebangNodeOptions(CHECK_NICWATCH_BIN).join(' ');
  writeFileSync(
    path,
    `#!/bin/sh\nexec '${process.execPath}' ${options} '${CHECK_NICWATCH_BIN}' "$@"\n`,
  );
  chmodSync(path, 0o755);
  return path;
}
