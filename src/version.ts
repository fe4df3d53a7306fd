import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let version: string | null = null;

/** The version in package.json, read at run time (once) so it cannot drift from the package. */
export function packageVersion(): string {
  version ??= (
    JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
  ).version;
  return version;
}
