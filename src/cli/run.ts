/** `nicwatch run [-c FILE] [--only poller,traps,worker,api]`. */
import type { Command } from 'commander';
import { describeError } from '../errors';
import { DEFAULT_CONFIG_FILE, EXIT_CONFIG, loadConfigOrReport } from './config-file';

export function addRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the daemon: every role by default, or the ones named with --only')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG_FILE)
    .option('--only <roles>', 'comma-separated roles: poller,traps,worker,api')
    .action(async (flags: { config: string; only?: string }) => {
      const { AVAILABLE_ROLES, ROLES, startDaemon } = await import('../daemon/run.js');
      const { createLogger } = await import('../log.js');
      const logger = createLogger();
      const asked =
        flags.only === undefined
          ? [...AVAILABLE_ROLES]
          : flags.only.split(',').map((r) => r.trim());
      const unknown = asked.filter((role) => !(ROLES as readonly string[]).includes(role));
      if (unknown.length > 0 || asked.length === 0) {
        process.stderr.write(`--only takes ${ROLES.join(', ')}; got "${flags.only ?? ''}"\n`);
        process.exitCode = EXIT_CONFIG;
        return;
      }
      const missing = asked.filter(
        (role) => !(AVAILABLE_ROLES as readonly string[]).includes(role),
      );
      if (missing.length > 0) {
        process.stderr.write(
          `role ${missing.join(', ')} is not available in this version (available: ${AVAILABLE_ROLES.join(', ')})\n`,
        );
        process.exitCode = EXIT_CONFIG;
        return;
      }
      const config = await loadConfigOrReport(flags.config);
      if (!config) return;
      try {
        const daemon = await startDaemon(config, asked as (typeof ROLES)[number][], logger);
        const stop = (signal: string) => {
          logger.info({ signal }, 'stopping');
          void daemon.stop().then(() => {
            logger.info('stopped');
            process.exit(0);
          });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      } catch (err) {
        logger.fatal({ error: describeError(err) }, 'cannot start');
        process.exitCode = 1;
      }
    });
}
