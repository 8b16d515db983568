// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports a folder may not make: the dependency direction of STYLE.md, enforced. */
const restrict = (patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});
const cli = { group: ['**/cli/**', '**/cli'], message: 'nothing imports src/cli (STYLE.md)' };
const adapters = { group: ['**/adapters/**'], message: 'machines and ui never import adapters' };
const ui = { group: ['**/ui/**'], message: 'only src/cli mounts the UI' };
const libs = (names) =>
  names.map((n) => ({
    group: [n, `${n}/*`],
    message: `${n} belongs in its adapter or in src/cli`,
  }));

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'docs/**',
      'examples/**/*.js',
      'test/fixtures/**/*.js',
      'bench/.generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false, project: null },
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
  {
    files: ['src/machines/**'],
    rules: restrict([
      cli,
      adapters,
      ui,
      { group: ['**/export/**'], message: 'machines are pure' },
      {
        group: ['**/config/**'],
        allowTypeImports: true,
        message: 'machines import only types from config',
      },
      ...libs([
        'execa',
        'undici',
        'cosmiconfig',
        'ink',
        'react',
        'node:child_process',
        'node:fs',
        'node:net',
        'node:fs/promises',
      ]),
    ]),
  },
  {
    files: ['src/ui/**'],
    rules: restrict([
      cli,
      adapters,
      ...libs(['execa', 'undici', 'cosmiconfig', 'node:child_process', 'node:net']),
    ]),
  },
  {
    files: ['src/adapters/**'],
    rules: restrict([cli, ui, ...libs(['cosmiconfig', 'ink', 'react'])]),
  },
  {
    files: ['src/config/**'],
    rules: restrict([cli, adapters, ui, ...libs(['execa', 'undici', 'ink', 'react'])]),
  },
  {
    files: ['src/export/**'],
    rules: restrict([
      cli,
      adapters,
      ui,
      ...libs(['execa', 'undici', 'cosmiconfig', 'ink', 'react']),
    ]),
  },
);
