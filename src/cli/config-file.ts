/** Loading the configuration file for a command: every error on stderr, one a line, status 2. */
import type { NicwatchConfig } from '../config/schema';
import { ConfigError, formatConfigIssue } from '../errors';

export const DEFAULT_CONFIG_FILE = './nicwatch.yaml';
export const EXIT_CONFIG = 2;

/**
 * The loaded configuration, or null after reporting why not. The loader is imported here, not
 * at start-up, so that `check`, which Nagios starts every few minutes, does not pay for zod and yaml.
 */
export async function loadConfigOrReport(file: string): Promise<NicwatchConfig | null> {
  const { loadConfig } = await import('../config/load.js');
  try {
    return loadConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(err.issues.map((issue) => `${formatConfigIssue(issue)}\n`).join(''));
    process.exitCode = EXIT_CONFIG;
    return null;
  }
}
