/** `nicwatch demo [--port 8080]`: the simulated lab with the whole pipeline (contract section 8). */
import type { Command } from 'commander';
import { describeError } from '../errors';

interface DemoFlags {
  port: string;
  host: string;
  scenario: boolean;
  scenarioEvery: string;
  pollInterval: string;
}

const EXIT_USAGE = 2;
/** The shell's 128 + SIGINT. */
const EXIT_SIGNALLED = 130;

export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'start a simulated lab (switches with STP, servers with bonds, teams and IPMP, as SNMP agents on loopback addresses) and the whole pipeline watching it, with the dashboard',
    )
    .option('--port <port>', 'port of the API and dashboard (0: any free port)', '8080')
    .option('--host <address>', 'address the API and dashboard listen on', '127.0.0.1')
    .option('--no-scenario', 'do not cut and mend links by themselves')
    .option('--scenario-every <seconds>', "seconds between the scenario's cable cuts", '40')
    .option('--poll-interval <seconds>', 'poll interval of every device', '5')
    .action(async (flags: DemoFlags) => {
      const numbers = {
        port: Number(flags.port),
        scenarioEveryS: Number(flags.scenarioEvery),
        pollIntervalS: Number(flags.pollInterval),
      };
      if (!Number.isInteger(numbers.port) || numbers.port < 0 || numbers.port > 65535) {
        return usage(`--port takes 0-65535, got "${flags.port}"`);
      }
      if (!(numbers.scenarioEveryS >= 2) || !(numbers.pollIntervalS >= 1)) {
        return usage('--scenario-every takes 2 seconds or more, --poll-interval 1 or more');
      }
      const { startDemo } = await import('../lab/demo.js');
      const { NoRedisError } = await import('../lab/redis.js');
      const { createLogger } = await import('../log.js');
      // The terminal is for the demo's own lines; the daemon's log says only what went wrong.
      const logger = createLogger(process.env.NICWATCH_LOG_LEVEL ?? 'warn');
      const say = (text: string): void => {
        process.stdout.write(`nicwatch demo: ${text}\n`);
      };
      // Handlers first: a signal while the lab is starting waits for the start, then stops all.
      const starting = startDemo({
        ...numbers,
        host: flags.host,
        scenario: flags.scenario,
        say,
        logger,
      });
      // The first signal stops the demo cleanly; a second one (an impatient Ctrl-C) exits at
      // once, and the 'exit' handlers still remove the lab's daemons, namespaces and Redis.
      let signals = 0;
      const onSignal = (): void => {
        signals += 1;
        if (signals > 1) process.exit(EXIT_SIGNALLED);
        say('stopping');
        void starting
          .then((demo) => demo.stop())
          .catch(() => undefined)
          .then(() => process.exit(0));
      };
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
      try {
        const demo = await starting;
        say(`dashboard at ${demo.url}`);
        say(`cut a cable:   curl -X POST ${demo.url}lab/links/sw-a/swp1/down`);
        say(`mend it:       curl -X POST ${demo.url}lab/links/sw-a/swp1/up`);
        say(`health as JSON: curl ${demo.url}api/v1/health   (Ctrl-C stops the demo)`);
      } catch (err) {
        if (err instanceof NoRedisError) {
          process.stderr.write(`${err.message}\n`);
        } else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          process.stderr.write(
            `nicwatch demo: ${flags.host}:${flags.port} is in use; pick another with --port (0 takes any free one)\n`,
          );
        } else {
          process.stderr.write(`nicwatch demo: cannot start: ${describeError(err)}\n`);
        }
        process.exit(1);
      }
    });
}

function usage(message: string): void {
  process.stderr.write(`nicwatch demo: ${message}\n`);
  process.exitCode = EXIT_USAGE;
}
