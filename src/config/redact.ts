/**
 * Config fit to print (`nicwatch validate`, logs): every secret replaced by "***", as
 * snmp_exporter does, so a pasted config never leaks a community or a key.
 */
import { stringify } from 'yaml';
import type { NicwatchConfig } from './schema';

export const REDACTED = '***';

// Keys whose values are secrets wherever they appear: SNMP communities (v1/v2c access is granted
// by the community alone), USM keys, NETCONF passwords and the API token.
const SECRET_KEYS = new Set([
  'community',
  'communities',
  'authKey',
  'privKey',
  'password',
  'token',
]);

/** `redis://user:pass@host` → `redis://user:***@host`; other strings unchanged. */
export function redactUrl(url: string): string {
  if (!URL.canParse(url))
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, `$1:${REDACTED}@`);
  const parsed = new URL(url);
  if (parsed.password === '') return url;
  parsed.password = REDACTED;
  return parsed.toString();
}

function redactSecret(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecret);
  return typeof value === 'string' ? REDACTED : value;
}

function redactValue(key: string | undefined, value: unknown): unknown {
  if (key !== undefined && SECRET_KEYS.has(key)) return redactSecret(value);
  if (key === 'url' && typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(undefined, item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(k, v)]));
  }
  return value;
}

/** A deep copy of `config` with every secret replaced by "***"; `config` is left untouched. */
export function redactConfig(config: NicwatchConfig): unknown {
  return redactValue(undefined, config);
}

/** The redacted config as YAML, in the layout of nicwatch.yaml. */
export function formatConfigYaml(config: NicwatchConfig): string {
  return stringify(redactConfig(config));
}
