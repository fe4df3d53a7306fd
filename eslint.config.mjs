import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** What the dashboard's script uses of the browser. */
const BROWSER_GLOBALS = [
  'AbortController',
  'Node',
  'URLSearchParams',
  'clearTimeout',
  'console',
  'document',
  'fetch',
  'setInterval',
  'setTimeout',
  'window',
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The dashboard's scripts run in the browser as native ES modules, without a build step.
    files: ['src/api/dashboard/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(BROWSER_GLOBALS.map((name) => [name, 'readonly'])),
    },
  },
  ...restrictImports(
    ['src/**/*.ts'],
    [
      'src/snmp/session.ts',
      'src/traps/receiver.ts',
      'src/store/**',
      'src/queue/**',
      'src/lab/**',
      'src/netconf/client.ts',
      'src/netconf/xml.ts',
    ],
    [
      { name: 'ssh2', message: 'use src/netconf/client.ts', allowTypeImports: true },
      { name: 'fast-xml-parser', message: 'use src/netconf/xml.ts', allowTypeImports: true },
      { name: 'net-snmp', message: 'use src/snmp/session.ts', allowTypeImports: true },
      { name: 'ioredis', message: 'use src/store/ or src/queue/', allowTypeImports: true },
      { name: 'bull', message: 'use src/queue/', allowTypeImports: true },
    ],
  ),
  // The simulator serves SNMP (net-snmp's agent and trap sender), which the product never does.
  ...restrictImports(
    ['src/lab/**/*.ts'],
    [],
    [
      { name: 'ioredis', message: 'use src/store/', allowTypeImports: true },
      { name: 'bull', message: 'use src/queue/', allowTypeImports: true },
    ],
  ),
  ...restrictImports(
    ['src/store/**/*.ts'],
    [],
    [
      { name: 'net-snmp', message: 'use src/snmp/session.ts', allowTypeImports: true },
      { name: 'bull', message: 'use src/queue/', allowTypeImports: true },
    ],
  ),
  ...restrictImports(
    ['src/queue/**/*.ts'],
    [],
    [{ name: 'net-snmp', message: 'use src/snmp/session.ts', allowTypeImports: true }],
  ),
);

/**
 * Each I/O library is reached through its own folder only, so every failure is mapped in one
 * place and the pure layers stay pure.
 */
function restrictImports(files, ignores, paths) {
  return [{ files, ignores, rules: { 'no-restricted-imports': ['error', { paths }] } }];
}
