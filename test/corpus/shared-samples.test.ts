/**
 * Others' genuine captures, read in place from ../shared/samples (never copied into the project):
 * every bonding and teamd sample decodes, and the health rules reach what a person reading the
 * sample concludes (EXPECTED.tsv).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeGroupText } from '../../src/bond/decode';
import { statusOfReasons } from '../../src/health/rollup';
import { evaluateServerRules } from '../../src/health/rules';
import { REPO_ROOT } from '../helpers/cli';

const SAMPLES = join(REPO_ROOT, '..', 'shared', 'samples');
const present = existsSync(join(SAMPLES, 'EXPECTED.tsv'));
if (!present) console.warn(`corpus test skipped: ${SAMPLES} is absent`);

interface Expectation {
  sample: string;
  kind: string;
  status: string;
  legsUp: string;
  legsTotal: string;
  reasons: string[];
}

function readExpected(): Expectation[] {
  return readFileSync(join(SAMPLES, 'EXPECTED.tsv'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#') && !line.startsWith('sample\t'))
    .map((line) => {
      const [sample = '', kind = '', status = '', legsUp = '', legsTotal = '', reasons = ''] =
        line.split('\t');
      return {
        sample,
        kind,
        status,
        legsUp,
        legsTotal,
        reasons: reasons.split(',').filter(Boolean),
      };
    });
}

/** The group-text samples: /proc/net/bonding pastes and teamdctl dumps (a sysfs .ttar tree is not one). */
function groupTextSamples(): string[] {
  return ['bonding', 'teamd'].flatMap((folder) =>
    readdirSync(join(SAMPLES, folder))
      .filter((file) => /\.(txt|json)$/.test(file) && !file.endsWith('.source.txt'))
      .map((file) => `${folder}/${file}`),
  );
}

describe.skipIf(!present)('shared samples corpus', () => {
  const expected = present ? readExpected() : [];
  const samples = present ? groupTextSamples() : [];

  it('has an expectation or a decode check for every group sample', () => {
    expect(samples.length).toBeGreaterThan(0);
    expect(expected.length).toBeGreaterThan(0);
  });

  it.each(samples)('%s decodes', (sample) => {
    const group = decodeGroupText(readFileSync(join(SAMPLES, sample), 'utf8'));
    expect(['linux-bond', 'linux-team']).toContain(group.kind);
  });

  it.each(expected)('$sample: $status $legsUp/$legsTotal $reasons', (want) => {
    const group = decodeGroupText(readFileSync(join(SAMPLES, want.sample), 'utf8'));
    const reasons = evaluateServerRules(group);
    const codes = reasons.map((reason) => reason.code);
    expect(group.kind, 'kind').toBe(want.kind);
    if (want.status !== '-')
      expect(statusOfReasons(reasons), `status, reasons ${codes.join(',')}`).toBe(want.status);
    if (want.legsUp !== '-')
      expect(group.legs.filter((leg) => leg.up).length, 'legs up').toBe(Number(want.legsUp));
    if (want.legsTotal !== '-')
      expect(group.legs.length, 'legs total').toBe(Number(want.legsTotal));
    for (const code of want.reasons) expect(codes, `reasons`).toContain(code);
  });
});
