/**
 * src/check/api-check.ts: the plugin line for a switch, from the API's Switch health.
 */
import { describe, expect, it } from 'vitest';
import { judgeApiSwitch } from '../../src/check/api-check';
import type { SwitchHealth } from '../../src/health/fleet';

const SWITCH: SwitchHealth = {
  device: 'sw-a',
  status: 'OK',
  reachable: true,
  bridgeId: null,
  designatedRoot: null,
  topologyChanges: null,
  lastTopologyChange: null,
  reasons: [],
  ports: [
    { port: 'swp1', ifIndex: 1, up: true, stpState: null, edge: null },
    { port: 'swp2', ifIndex: 2, up: false, stpState: null, edge: null },
  ],
};

describe('judgeApiSwitch', () => {
  it('a reachable switch: how many ports are up', () => {
    expect(judgeApiSwitch(SWITCH)).toMatchObject({
      status: 'OK',
      summary: 'sw-a (switch): reachable, 1 of 2 ports up',
      perfdata: ['ports_up=1;;;0;2'],
    });
  });

  it('an older daemon whose Switch has no reasons', () => {
    const older: Partial<SwitchHealth> = { ...SWITCH };
    delete older.reasons;
    expect(judgeApiSwitch(older as SwitchHealth).summary).toBe(
      'sw-a (switch): reachable, 1 of 2 ports up',
    );
  });
});
