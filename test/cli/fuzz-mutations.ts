import { stringify } from 'yaml';

/** mulberry32: a tiny seeded PRNG, so every fuzz case reproduces from its seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Rand = () => number;

const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

/** Containers only: a scalar root gets a fresh wrapper so tree mutations always have a slot. */
const container = (root: Json): Json =>
  root !== null && typeof root === 'object' ? root : { name: root };

/** A valid config with most sections (no prerequisites: fuzzing must not hit the network). */
const FUZZ_BASE: Json = {
  name: 'fuzz',
  vars: { PORT: '18999', LOG_LEVEL: 'info' },
  secrets: ['DB_PASSWORD'],
  environments: { staging: { vars: { PORT: '18998' } } },
  config: { rules: { PORT: { type: 'port' }, LOG_LEVEL: { enum: ['debug', 'info'] } } },
  prepare: [{ name: 'dir', run: 'mkdir -p x', cleanup: 'rm -rf x' }],
  services: {
    db: {
      process: 'node db.mjs',
      health: { tcp: '127.0.0.1:${PORT}', interval: '1s', retries: 3 },
    },
    api: {
      dependsOn: ['db'],
      activate: ['node', 'api.mjs'],
      rollback: { run: 'echo back', timeout: '5s' },
      timeout: '2m',
      health: { http: 'http://127.0.0.1:${PORT}/healthz', startPeriod: '2s' },
      readiness: [
        { http: { url: 'http://127.0.0.1:${PORT}/ready', status: [200, '2xx'], body: '/ok/' } },
      ],
      performance: { http: 'http://127.0.0.1:${PORT}/', samples: 5, p95: '200ms' },
    },
  },
  stages: [
    { name: 'data', services: ['db'] },
    { name: 'app', services: ['api'], parallel: false, verify: [{ command: 'true' }] },
  ],
  integration: [{ name: 'e2e', command: 'true' }],
  readiness: [{ name: 'doc', category: 'documentation', file: 'README.md', severity: 'warning' }],
  policy: { onFailure: 'rollback', degraded: 'continue', retries: 1, decisionTimeout: '1m' },
};

function randomString(rand: Rand): string {
  const alphabets = [
    'abcdefghijklmnopqrstuvwxyz',
    '${}[]:-#&*!|>\'"%@`',
    '0123456789.',
    'é✓→\u0000\u202e ',
    ' \t',
  ];
  let s = '';
  const n = Math.floor(rand() * 24);
  for (let i = 0; i < n; i++) s += pick(rand, pick(rand, alphabets).split(''));
  return s;
}

function randomValue(rand: Rand): Json {
  return pick<() => Json>(rand, [
    () => null,
    () => rand() < 0.5,
    () => Math.floor(rand() * 1e6) - 5e5,
    () => pick(rand, [0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2]),
    () => randomString(rand),
    () => [],
    () => ({}),
    () => [randomString(rand), Math.floor(rand() * 100)],
    () => ({ [randomString(rand) || 'k']: randomString(rand) }),
  ])();
}

/** A random slot of the tree; the root's `name` (or first item) when the tree has none. */
function anySlot(
  rand: Rand,
  root: Json,
): { parent: Json[] | Record<string, Json>; key: string | number } {
  const all = slots(root);
  if (all.length > 0) return pick(rand, all);
  if (Array.isArray(root)) return { parent: root, key: 0 };
  return { parent: root as Record<string, Json>, key: 'name' };
}

/** Every (container, key) pair of a JSON tree. */
function slots(
  node: Json,
  out: Array<{ parent: Json[] | Record<string, Json>; key: string | number }> = [],
) {
  if (Array.isArray(node)) {
    node.forEach((v, i) => {
      out.push({ parent: node, key: i });
      slots(v, out);
    });
  } else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      out.push({ parent: node, key: k });
      slots(v, out);
    }
  }
  return out;
}

function nest(depth: number, leaf: Json, rand: Rand): Json {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = rand() < 0.5 ? [v] : { n: v };
  return v;
}

const treeMutations: Array<[string, (root: Json, rand: Rand) => Json]> = [
  [
    'delete a key',
    (root, rand) => {
      const s = anySlot(rand, root);
      if (Array.isArray(s.parent)) s.parent.splice(Number(s.key), 1);
      else delete s.parent[s.key];
      return root;
    },
  ],
  [
    'change a type',
    (root, rand) => {
      const s = anySlot(rand, root);
      (s.parent as Record<string, Json>)[s.key] = randomValue(rand);
      return root;
    },
  ],
  [
    'add an unknown key',
    (root, rand) => {
      const objects = slots(root)
        .map((s) => (s.parent as Record<string | number, Json>)[s.key])
        .filter(
          (v): v is Record<string, Json> =>
            v !== null && typeof v === 'object' && !Array.isArray(v),
        );
      const target = objects.length > 0 ? pick(rand, objects) : (root as Record<string, Json>);
      target[
        pick(rand, [
          'dependOn',
          'helth',
          'proces',
          randomString(rand) || 'x',
          '__proto__',
          'constructor',
        ])
      ] = randomValue(rand);
      return root;
    },
  ],
  [
    'deep nesting',
    (root, rand) => {
      const s = anySlot(rand, root);
      (s.parent as Record<string, Json>)[s.key] = nest(50 + Math.floor(rand() * 400), 'deep', rand);
      return root;
    },
  ],
  [
    'huge value',
    (root, rand) => {
      const s = anySlot(rand, root);
      (s.parent as Record<string, Json>)[s.key] = pick<Json>(rand, [
        'x'.repeat(200_000),
        Array.from({ length: 5000 }, (_, i) => `s${i}`),
        Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i])),
      ]);
      return root;
    },
  ],
  ['replace the root', (_root, rand) => randomValue(rand)],
  [
    'many services',
    (root, rand) => {
      if (root && typeof root === 'object' && !Array.isArray(root)) {
        const services: Record<string, Json> = {};
        const n = 10 + Math.floor(rand() * 300);
        for (let i = 0; i < n; i++)
          services[`s${i}`] = {
            activate: 'true',
            dependsOn: i > 0 ? [`s${Math.floor(rand() * n)}`] : [],
          };
        root.services = services;
        delete root.stages;
      }
      return root;
    },
  ],
];

const textMutations: Array<[string, (text: string, rand: Rand) => string]> = [
  ['truncate', (t, rand) => t.slice(0, Math.floor(rand() * t.length))],
  [
    'binary junk',
    (t, rand) => {
      const at = Math.floor(rand() * t.length);
      const junk = Array.from({ length: 1 + Math.floor(rand() * 32) }, () =>
        String.fromCharCode(Math.floor(rand() * 256)),
      ).join('');
      return t.slice(0, at) + junk + t.slice(at);
    },
  ],
  [
    'duplicate a key',
    (t, rand) => {
      const lines = t.split('\n');
      const i = Math.floor(rand() * lines.length);
      lines.splice(i, 0, lines[i] ?? 'name: dup');
      return lines.join('\n');
    },
  ],
  [
    'flip characters',
    (t, rand) => {
      const chars = t.split('');
      for (let i = 0; i < 1 + Math.floor(rand() * 8); i++)
        chars[Math.floor(rand() * chars.length)] = pick(rand, [
          ':',
          '-',
          '\t',
          '"',
          '[',
          '{',
          '&',
          '*',
          '!',
          '\n',
          ' ',
        ]);
      return chars.join('');
    },
  ],
  ['empty file', () => ''],
  ['only a comment', () => '# nothing here\n'],
];

/** One fuzz case from its seed: the file text, its extension and what was done. */
export function makeCase(seed: number): {
  text: string;
  ext: 'yaml' | 'json';
  mutations: string[];
} {
  const rand = mulberry32(seed);
  let root = structuredClone(FUZZ_BASE);
  const mutations: string[] = [];
  const nTree = Math.floor(rand() * 3);
  for (let i = 0; i < nTree; i++) {
    const [name, fn] = pick(rand, treeMutations);
    mutations.push(name);
    root = fn(container(root), rand);
  }
  const ext = rand() < 0.75 ? 'yaml' : 'json';
  let text =
    ext === 'yaml'
      ? stringify(root, { aliasDuplicateObjects: false })
      : JSON.stringify(root, null, 2);
  if (nTree === 0 || rand() < 0.4) {
    const [name, fn] = pick(rand, textMutations);
    mutations.push(name);
    text = fn(text, rand);
  }
  return { text, ext, mutations };
}
