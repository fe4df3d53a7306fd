import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, parseConfig } from '../../src/config/load';
import { formatConfigYaml, redactConfig, redactUrl } from '../../src/config/redact';

const SECRETS = {
  TRAP_AUTH: 'trap-auth-secret',
  TRAP_PRIV: 'trap-priv-secret',
  SW_B_PASS: 'netconf-pass-secret',
  API_TOKEN: 'api-token-secret',
  COMMUNITY: 'community-secret',
  DEVICE_AUTH: 'device-auth-secret',
  DEVICE_PRIV: 'device-priv-secret',
  REDIS_PASS: 'redis-pass-secret',
};

// Every kind of secret the config can hold, each in its own place.
const TEXT = `
redis: { url: "redis://nw:\${REDIS_PASS}@cache.example:6379/0", prefix: nw-prod }
api: { listen: 0.0.0.0:8080, token: "\${API_TOKEN}" }
traps:
  communities: [trap-community-secret, "\${COMMUNITY}"]
  users:
    - { name: nwtrap, level: authPriv, authProtocol: sha, authKey: "\${TRAP_AUTH}", privProtocol: aes, privKey: "\${TRAP_PRIV}" }
snmpDefaults: { community: default-community-secret }
devices:
  - name: sw-a
    role: switch
    address: 10.0.0.1
    snmp:
      version: 3
      user: { name: poller, level: authPriv, authProtocol: sha256, authKey: "\${DEVICE_AUTH}", privProtocol: aes, privKey: "\${DEVICE_PRIV}" }
  - name: sw-b
    role: switch
    address: 10.0.0.2
    snmp: { community: own-community-secret }
    netconf: { username: admin, password: "\${SW_B_PASS}", privateKeyFile: /etc/nicwatch/id_ed25519 }
`;

const config = parseConfig(TEXT, 'redact.yaml', SECRETS);
const ALL_SECRETS = [
  ...Object.values(SECRETS),
  'trap-community-secret',
  'default-community-secret',
  'own-community-secret',
];

describe('formatConfigYaml', () => {
  const out = formatConfigYaml(config);

  it.each(ALL_SECRETS)('never prints %s', (secret) => {
    expect(out.includes(secret), `got output containing ${secret}, want it redacted`).toBe(false);
  });

  const kept = [
    'nw-prod',
    'cache.example:6379/0',
    'nw:***@',
    '0.0.0.0:8080',
    'nwtrap',
    'poller',
    'sha256',
    'admin',
    '/etc/nicwatch/id_ed25519',
    'sw-b',
  ];
  it.each(kept)('keeps %s', (text) => {
    expect(out.includes(text), `got output without ${text}, want it kept`).toBe(true);
  });

  it('prints YAML with every secret as "***"', () => {
    const back: unknown = parse(out);
    expect(back).toEqual(redactConfig(config));
    expect(back).toMatchObject({
      redis: { url: 'redis://nw:***@cache.example:6379/0' },
      api: { token: '***' },
      traps: { communities: ['***', '***'], users: [{ authKey: '***', privKey: '***' }] },
      snmpDefaults: { community: '***' },
      devices: [
        { snmp: { user: { authKey: '***', privKey: '***' } } },
        { snmp: { community: '***' }, netconf: { password: '***' } },
      ],
    });
  });
});

describe('redactConfig', () => {
  it('leaves its input untouched', () => {
    const before = structuredClone(config);
    const redacted = redactConfig(config);
    expect(config).toEqual(before);
    expect(redacted).not.toBe(config);
  });

  it('redacts the contract example', () => {
    const example = loadConfig(
      join(__dirname, '..', 'fixtures', 'config', 'contract-example.yaml'),
      {
        TRAP_AUTH: 'example-auth',
        TRAP_PRIV: 'example-priv',
        SW_B_PASS: 'example-pass',
      },
    );
    const out = JSON.stringify(redactConfig(example));
    for (const secret of ['example-auth', 'example-priv', 'example-pass', '"public"']) {
      expect(out.includes(secret), `got ${secret} in ${out}`).toBe(false);
    }
    expect(out).toContain('redis://127.0.0.1:6379/0');
  });
});

describe('redactUrl', () => {
  const cases = [
    { name: 'user and password', url: 'redis://u:p@h:6379/0', want: 'redis://u:***@h:6379/0' },
    { name: 'password only', url: 'rediss://:p@h:6380', want: 'rediss://:***@h:6380' },
    { name: 'no credentials', url: 'redis://h:6379/0', want: 'redis://h:6379/0' },
    { name: 'user without password', url: 'redis://u@h', want: 'redis://u@h' },
  ];
  it.each(cases)('$name', ({ url, want }) => {
    expect(redactUrl(url)).toBe(want);
  });
});
