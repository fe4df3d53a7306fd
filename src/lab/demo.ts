/**
 * `nicwatch demo`: the simulated lab and the whole pipeline watching it — trap receiver,
 * pollers, correlator and API with the dashboard — on one machine, with nothing but Node and a
 * Redis. The lab's cables can be cut and mended by hand (`POST /lab/links/...`) and, unless told
 * otherwise, a scenario cuts and mends one now and then. A NETCONF switch runs where root and
 * netconfd allow it; elsewhere it is left out, with the servers cabled to it, in one line.
 * What a killed demo left of its NETCONF switch is removed first.
 */
import type { Logger } from '../log';
import { AVAILABLE_ROLES, startDaemon, type Daemon } from '../daemon/run';
import { splitListen } from '../api/app';
import { connectRedis, deleteKeysUnder } from '../store/redis';
import { labConfig } from './config';
import { startSimulatedLab, type RunningLab } from './lab';
import {
  removeLeftoversOfDeadDemos,
  startNetconfSwitch,
  type NetconfSwitchDevice,
  type RunningNetconfSwitch,
} from './netconf-switch';
import { demoRedis, type DemoRedis } from './redis';
import { labRoutes } from './routes';
import { DEMO_SCENARIO, startScenario, type Scenario } from './scenario';
import { DEMO_LAB, netconfSwitches, withoutSwitch, type LabSpec } from './spec';
import { LabWorld } from './world';

export interface DemoOptions {
  host: string;
  port: number;
  scenario: boolean;
  /** Seconds between the scenario's cuts; each cut is mended halfway to the next. */
  scenarioEveryS: number;
  pollIntervalS: number;
  /** One human line at a time: what the demo is doing. */
  say: (text: string) => void;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  spec?: LabSpec;
}

export interface RunningDemo {
  /** `http://host:port/`, the dashboard. */
  url: string;
  lab: RunningLab;
  stop(): Promise<void>;
}

/**
 * Key prefix: a private Redis is the demo's alone; in a shared one each demo keeps to keys of
 * its own process, so two demos on one Redis neither wipe nor poll each other's lab.
 */
export function demoRedisPrefix(shared: boolean): string {
  return shared ? `nicwatch-demo-${process.pid}` : 'nicwatch-demo';
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const redis: DemoRedis = await demoRedis(options.env);
    stops.push(() => redis.stop());
    options.say(`Redis at ${redis.url.replace(/\/\/[^@/]*@/, '//')} (${redis.origin})`);
    const shared = redis.origin === 'NICWATCH_REDIS_URL';
    const prefix = demoRedisPrefix(shared);
    if (shared) {
      // An earlier demo of the same PID may have left keys; ours go when the demo stops.
      await clearPrefix(redis.url, prefix);
      stops.push(() => clearPrefix(redis.url, prefix));
    }

    const { spec, world, running } = await startNetconfSwitches(options.spec ?? DEMO_LAB, options);
    for (const sw of running) stops.push(() => sw.stop());
    const lab = await startSimulatedLab(spec, {
      world,
      onError: (err) => options.logger.warn({ error: err.message }, 'lab trap not sent'),
    });
    stops.push(() => lab.stop());
    const switches = lab.devices.filter((d) => d.role === 'switch').length;
    options.say(
      `${switches} switches and ${lab.devices.length - switches} servers answer SNMP on 127.0.10.x and 127.0.20.x, port ${lab.devices[0]?.port}`,
    );

    const config = labConfig(spec, lab, {
      redisUrl: redis.url,
      redisPrefix: prefix,
      apiListen: `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`,
      pollIntervalS: options.pollIntervalS,
      netconfSwitches: Object.fromEntries(running.map((sw) => [sw.name, sw.device])),
    });
    const daemon: Daemon = await startDaemon(config, AVAILABLE_ROLES, options.logger, {
      apiRoutes: [labRoutes(lab.world, options.say)],
    });
    stops.push(() => daemon.stop());
    if (daemon.trapAddress) {
      const { host, port } = splitListen(daemon.trapAddress);
      lab.sendTrapsTo({ host, port });
    }

    let scenario: Scenario | null = null;
    if (options.scenario) {
      const everyMs = options.scenarioEveryS * 1000;
      scenario = startScenario(lab.world, DEMO_SCENARIO, {
        firstAfterMs: Math.min(everyMs, 15_000),
        everyMs,
        mendAfterMs: everyMs / 2,
        say: (text) => options.say(`scenario: ${text}`),
      });
      stops.push(async () => scenario?.stop());
    }
    const url = `http://${daemon.apiAddress}/`;
    return { url, lab, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Starts the lab's NETCONF switches on the world they are cabled to. One that cannot run here is
 * left out with every server cabled to it, said in one line, and the rest start again on the
 * smaller lab's world.
 */
async function startNetconfSwitches(
  full: LabSpec,
  options: Pick<DemoOptions, 'say' | 'logger'>,
): Promise<{ spec: LabSpec; world: LabWorld; running: RunningNetconfSwitch[] }> {
  if (netconfSwitches(full).length > 0) {
    const left = removeLeftoversOfDeadDemos();
    if (left.namespaces.length > 0) {
      options.say(
        `removed what ended demos (pid ${left.owners.join(', ')}) left: ${left.namespaces.length} namespaces, ${left.killed.length} daemons`,
      );
    }
  }
  for (let spec = full; ;) {
    const world = new LabWorld(spec);
    const running: RunningNetconfSwitch[] = [];
    let leftOut: { name: string; reason: string } | null = null;
    for (const sw of netconfSwitches(spec)) {
      const started = await startNetconfSwitch(world, sw, {
        onError: (err) => options.logger.warn({ error: err.message }, 'lab cable not moved'),
      });
      if ('leftOut' in started) {
        leftOut = { name: sw.name, reason: started.leftOut };
        break;
      }
      running.push(started);
    }
    if (leftOut === null) {
      for (const sw of running)
        options.say(`${sw.name} speaks NETCONF (${whereItAnswers(sw.device)})`);
      return { spec, world, running };
    }
    world.stop();
    await Promise.all(running.map((sw) => sw.stop()));
    options.say(
      `the NETCONF switch ${leftOut.name} is left out: ${leftOut.reason} (it needs root and netconfd: scripts/install-deps.sh --with-nms)`,
    );
    spec = withoutSwitch(spec, leftOut.name);
  }
}

function whereItAnswers(device: NetconfSwitchDevice): string {
  return `netconfd at ${device.address}:${device.netconf.port}`;
}

async function clearPrefix(url: string, prefix: string): Promise<void> {
  const redis = connectRedis(url);
  try {
    await deleteKeysUnder(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
