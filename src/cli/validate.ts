/** `nicwatch validate`: load the configuration as the daemon would, report every error. */
import type { Command } from 'commander';
import { ConfigError, formatConfigIssue } from '../errors';

export const DEFAULT_CONFIG_FILE = './nicwatch.yaml';

export function addValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check a configuration file: exit 0, or 2 with every error, one a line')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG_FILE)
    .option('--print', 'print the configuration with defaults filled in and secrets redacted')
    .action(async (flags: { config: string; print?: boolean }) => {
      // Loaded here so that `check`, which Nagios starts every few minutes, does not pay for zod and yaml.
      const { loadConfig } = await import('../config/load.js');
      const { formatConfigYaml } = await import('../config/redact.js');
      try {
        const config = loadConfig(flags.config);
        if (flags.print) process.stdout.write(formatConfigYaml(config));
        const groups = config.devices.reduce((n, device) => n + (device.groups?.length ?? 0), 0);
        process.stderr.write(
          `${flags.config}: OK, ${count(config.devices.length, 'device')}, ${count(groups, 'group')}\n`,
        );
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(err.issues.map((issue) => `${formatConfigIssue(issue)}\n`).join(''));
        process.exitCode = 2;
      }
    });
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
