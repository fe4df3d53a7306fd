/**
 * Configuration read straight from the docs, so a page and what its test runs cannot drift:
 * fenced blocks whose info string is `<lang> <name>` (e.g. ```` ```nagios services.cfg ````).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './cli';

export function readDoc(page: string): string {
  return readFileSync(join(REPO_ROOT, 'docs', page), 'utf8');
}

/** Every block of `page` tagged `<lang> <name>`, joined; fails when there is none. */
export function docBlock(page: string, lang: string, name: string): string {
  const blocks = [...readDoc(page).matchAll(/^```(\S+)[ \t]+(\S+)[ \t]*\n([\s\S]*?)^```[ \t]*$/gm)]
    .filter((match) => match[1] === lang && match[2] === name)
    .map((match) => match[3] ?? '');
  if (blocks.length === 0) throw new Error(`docs/${page} has no \`\`\`${lang} ${name} block`);
  return blocks.join('\n');
}
