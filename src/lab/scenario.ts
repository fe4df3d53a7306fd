/**
 * The demo's own story: now and then a cable is cut and, a little later, mended, so a newcomer
 * sees a failover happen (and, on the bond without link monitoring, one that does not).
 */
import type { LabWorld } from './world';

export interface ScenarioStep {
  switch: string;
  port: string;
  /** Said when the cable is cut. */
  story: string;
}

export const DEMO_SCENARIO: ScenarioStep[] = [
  {
    switch: 'sw-a',
    port: 'swp9',
    story: 'srv-web3 eth0, its active leg: the bond fails over to eth1',
  },
  {
    switch: 'sw-a',
    port: 'swp5',
    story:
      'srv-app1 eth0, its active leg: the bond has no link monitoring and keeps sending into the dead port',
  },
];

export interface Scenario {
  stop(): void;
}

/**
 * The first cut comes `firstAfterMs` after the start (soon, so a newcomer sees one), then one
 * every `everyMs`; each is mended `mendAfterMs` later.
 */
export function startScenario(
  world: LabWorld,
  steps: ScenarioStep[],
  options: {
    firstAfterMs: number;
    everyMs: number;
    mendAfterMs: number;
    say: (text: string) => void;
  },
): Scenario {
  let next = 0;
  const timers = new Set<NodeJS.Timeout>();
  const after = (ms: number, run: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };
  const tick = (): void => {
    const step = steps[next % steps.length];
    next += 1;
    if (step && world.setLink(step.switch, step.port, false)) {
      options.say(`cut ${step.switch} ${step.port} (${step.story})`);
      after(options.mendAfterMs, () => {
        if (world.setLink(step.switch, step.port, true))
          options.say(`mended ${step.switch} ${step.port}`);
      });
    }
    after(options.everyMs, tick);
  };
  after(options.firstAfterMs, tick);
  return {
    stop: () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
