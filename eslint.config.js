// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Imports a folder may not make: the layer picture of the README's architecture section, enforced.
 * Every folder also gets the rules that hold everywhere (processes only in the process adapters,
 * a machine only through its index.ts).
 */
const restrict = (patterns, { processes = false, machines = false } = {}) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        ...patterns,
        ...(processes ? [] : [spawning]),
        machines ? siblingInternals : machineInternals,
      ],
    },
  ],
});
const cli = { group: ['**/cli/**', '**/cli'], message: 'nothing imports src/cli' };
const adapters = {
  group: ['**/adapters/**'],
  message: 'only src/runtime binds the adapters to the machines',
};
const state = { group: ['**/state/**'], message: 'only src/runtime touches the state directory' };
const runtime = {
  group: ['**/runtime/**'],
  message: 'machines and the UI never import the runtime',
};
const ui = { group: ['**/ui/**'], message: 'only src/cli mounts the UI' };
const libs = (names) =>
  names.map((n) => ({
    group: [n, `${n}/*`],
    message: `${n} belongs in its adapter`,
  }));
/** Spawning processes happens in src/adapters/{exec-core,exec,process,log-relay}.ts only. */
const spawning = {
  group: ['node:child_process', 'child_process', 'execa'],
  message:
    'processes are spawned only by the process adapters (exec-core, exec, process, log-relay)',
};
/** `machines/<name>/` is imported through its index.ts only. */
const machineInternals = {
  regex: '(^|/)machines/[^/]+/(?!index\\.js$)[^/]+$',
  message: "a machine's folder is imported through its index.ts",
};
/** Inside src/machines, another machine's folder is `../<name>/`: only its index.js. */
const siblingInternals = {
  regex: '^\\.\\./(?!\\.\\.)[^/]+/(?!index\\.js$)[^/]+$',
  message: "a machine's folder is imported through its index.ts",
};

/** What a machine may not import: machines are pure, their effects are bound by src/runtime. */
const machineRules = [
  cli,
  adapters,
  state,
  runtime,
  ui,
  { group: ['**/export/**'], message: 'machines are pure' },
  {
    group: ['**/config/**'],
    allowTypeImports: true,
    message: 'machines import only types from config',
  },
  ...libs(['undici', 'cosmiconfig', 'ink', 'react', 'node:fs', 'node:net', 'node:fs/promises']),
];

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
      'test/.tmp/**',
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
  // Outside src/machines, `../x/y.js` is an ordinary path: only `machines/x/y.js` is checked.
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/machines/**', 'src/adapters/**'],
    rules: restrict([]),
  },
  // A machine folder's files reach other machines as `../<name>/`; src/machines/*.ts are shared.
  {
    files: ['src/machines/*/**'],
    rules: restrict(machineRules, { machines: true }),
  },
  {
    files: ['src/machines/*.ts'],
    rules: restrict(machineRules),
  },
  {
    files: ['src/cli/**'],
    rules: restrict([adapters, state, ...libs(['undici', 'node:net'])]),
  },
  {
    files: ['src/runtime/**'],
    rules: restrict([cli, ui, ...libs(['ink', 'react', 'cosmiconfig'])]),
  },
  {
    files: ['src/record/**', 'src/core/**'],
    rules: restrict([
      cli,
      adapters,
      state,
      runtime,
      ui,
      ...libs(['undici', 'ink', 'react', 'node:fs', 'node:fs/promises', 'node:net']),
    ]),
  },
  // Liveness reads /proc (read-only): the one file of src/core that touches the file system.
  {
    files: ['src/core/liveness.ts'],
    rules: restrict([
      cli,
      adapters,
      state,
      runtime,
      ui,
      ...libs(['undici', 'ink', 'react', 'node:net']),
    ]),
  },
  {
    files: ['src/state/**'],
    rules: restrict([cli, runtime, ui, ...libs(['undici', 'ink', 'react'])]),
  },
  {
    files: ['src/ui/**'],
    rules: restrict([
      cli,
      adapters,
      state,
      runtime,
      ...libs(['undici', 'cosmiconfig', 'node:net', 'node:fs', 'node:fs/promises']),
    ]),
  },
  {
    files: ['src/adapters/**'],
    ignores: [
      'src/adapters/exec-core.ts',
      'src/adapters/exec.ts',
      'src/adapters/process.ts',
      'src/adapters/log-relay.ts',
    ],
    rules: restrict([cli, ui, runtime, ...libs(['cosmiconfig', 'ink', 'react'])]),
  },
  {
    files: [
      'src/adapters/exec-core.ts',
      'src/adapters/exec.ts',
      'src/adapters/process.ts',
      'src/adapters/log-relay.ts',
    ],
    rules: restrict([cli, ui, runtime, ...libs(['cosmiconfig', 'ink', 'react'])], {
      processes: true,
    }),
  },
  {
    files: ['src/config/**'],
    rules: restrict([cli, adapters, state, runtime, ui, ...libs(['undici', 'ink', 'react'])]),
  },
  {
    files: ['src/export/**'],
    rules: restrict([
      cli,
      adapters,
      state,
      runtime,
      ui,
      ...libs(['undici', 'cosmiconfig', 'ink', 'react']),
    ]),
  },
  // Tests and benches spawn the CLI and real services; they may reach into anything but a
  // machine's internals... except the machine tests, which test a machine's own pure helpers.
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
