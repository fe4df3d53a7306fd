/** `nicwatch validate`: load the configuration as the daemon would, report every error. */
import type { Command } from 'commander';
import { DEFAULT_CONFIG_FILE, loadConfigOrReport } from './config-file';

export function addValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check a configuration file: exit 0, or 2 with every error, one a line')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG_FILE)
    .option('--print', 'print the configuration with defaults filled in and secrets redacted')
    .action(async (flags: { config: string; print?: boolean }) => {
      const config = await loadConfigOrReport(flags.config);
      if (!config) return;
      if (flags.print) {
        const { formatConfigYaml } = await import('../config/redact.js');
        process.stdout.write(formatConfigYaml(config));
      }
      const groups = config.devices.reduce((n, device) => n + (device.groups?.length ?? 0), 0);
      process.stderr.write(
        `${flags.config}: OK, ${count(config.devices.length, 'device')}, ${count(groups, 'group')}\n`,
      );
    });
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
