import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    // The SNMP library is reached through one file only, so every failure is mapped in one place.
    files: ['src/**/*.ts'],
    ignores: ['src/snmp/session.ts', 'src/traps/receiver.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'net-snmp', message: 'use src/snmp/session.ts' },
            { name: 'ioredis', message: 'use src/store/ or src/queue/' },
            { name: 'bull', message: 'use src/queue/' },
          ],
        },
      ],
    },
  },
);
