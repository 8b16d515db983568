/**
 * One meaning per config text: YAML means what the `yaml` package (YAML 1.2, core schema) makes
 * of it whether js-yaml's fast path or the precise parser reads it, and duplicate keys are
 * refused in JSON as in YAML.
 */
import { describe, expect, test } from 'vitest';
import { isConfigError } from '../../src/config/errors.js';
import {
  parseJsonText,
  parseYamlFast,
  parseYamlPrecisely,
  parseYamlText,
} from '../../src/config/parse-text.js';

/** Plain scalars where js-yaml's own schemas and the `yaml` package disagreed, and neighbours. */
const SCALARS = [
  '0o17',
  '017',
  '0777',
  '0x1F',
  '0X1F',
  '0b101',
  '1_000',
  '1__0',
  '12345678901234567890',
  '+12',
  '-12',
  '-0',
  '+0',
  '00',
  '0x',
  '0o',
  '0o8',
  '.inf',
  '-.Inf',
  '+.INF',
  '.nan',
  '.NaN',
  '.NAN',
  '1e3',
  '1E3',
  '1.5e+3',
  '-1.5E-3',
  '1e',
  '1.',
  '.5',
  '+.5',
  '-.5',
  '0.0',
  '-0.0',
  '1.2.3',
  '1:20',
  '190:20:30',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'True',
  'TRUE',
  'tRue',
  'False',
  'FALSE',
  '~',
  'null',
  'Null',
  'NULL',
  'nULL',
  '',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '2001-12-14 21:59:43.10 -5',
  '<<',
  '=',
  '.',
  '-',
  '+',
  'a#b',
  'a # comment',
  '"\\x41\\u263A\\U0001F600"',
  '"\\/ \\_ \\N \\L \\P \\e \\0 \\a \\b \\t \\v \\f \\r"',
  "'a''b'",
  '"a\\\n  b"',
  '[1, 2.5, true, null, ~, "x", .inf, 0o7]',
  '{a: 1, b: , c: ~}',
  '[a: 1]',
  '日本',
  'ab\tc',
];

/** Whole documents: keys that are numbers or null, merge keys, block scalars, empty ones. */
const DOCUMENTS = [
  '1: a\n0x10: b\n0o17: c\ntrue: d\nnull: e\n1.5: f\n.inf: g\n-0: h\n',
  '~: only\n',
  'base: {x: 1}\nv:\n  <<: {x: 2}\n  y: 2\n',
  'v: |\n  lit\n   x\n',
  'v: >\n  fold\n  ed\n\n  p\n',
  'v: |-\n  strip\n\n',
  'v: |+\n  keep\n\n',
  'v: >2\n   indented\n',
  "v: 'multi\n\n  line'\n",
  'v: plain\n  folded\n\n  para\n',
  'v:\n  - a\n  -\n  - c\n',
  'v:\n',
  '~\n',
  '',
  '# only a comment\n',
  'k: v\n...\n',
  '--- \nk: v\n',
  '"q k": 1\n\'r k\': 2\n',
];

/** Data with numbers compared exactly (NaN, -0, Infinity). */
function same(a: unknown, b: unknown): void {
  expect(a).toStrictEqual(b);
}

describe('YAML: one meaning whichever parser reads it', () => {
  const texts = [
    ...SCALARS.flatMap((v) => [`v: ${v}\n`, `- ${v}\n`, `v: [${v}]\n`, `v: {k: ${v}}\n`]),
    ...SCALARS.filter((v) => !v.includes('\n') && !/^[[{]/.test(v)).map((v) => `${v}: 1\n`),
    ...DOCUMENTS,
  ];

  // A comment holding `&` sends a text to the precise parser (anchors need it), today as before.
  const precisely = (text: string): unknown => parseYamlText(`# &\n${text}`, 'f.yaml');

  test.each(texts)('the fast path reads %j as the yaml package does', (text) => {
    let precise: unknown;
    try {
      precise = precisely(text);
    } catch (err) {
      // What the precise parser refuses is refused whichever path reads it.
      expect(isConfigError(err)).toBe(true);
      expect(() => parseYamlText(text, 'f.yaml')).toThrow();
      return;
    }
    same(parseYamlText(text, 'f.yaml'), precise);
  });

  test('the precise path is the yaml package itself', () => {
    for (const t of texts.slice(0, 40)) {
      let a: unknown;
      let b: unknown;
      try {
        a = precisely(t);
      } catch {
        a = 'refused';
      }
      try {
        b = parseYamlPrecisely(t, 'f.yaml') ?? undefined;
      } catch {
        b = 'refused';
      }
      same(a, b);
    }
  });

  test('the table goes through the fast path (it is not a comparison of one parser with itself)', () => {
    const fast = texts.filter((t) => parseYamlFast(t).ok);
    expect(fast.length).toBeGreaterThan(texts.length * 0.8);
    for (const t of ['v: 0o17\n', 'v: 0b101\n', 'v: +.5\n', 'null: 1\n', 'v: 1_000\n'])
      expect(parseYamlFast(t).ok).toBe(true);
  });

  test('values the two parsers used to disagree on mean YAML 1.2 core', () => {
    const doc = 'a: 0o17\nb: 0b101\nc: +.5\nd: yes\ne: 1_000\nf: .inf\nnull: n\n';
    const expected = { a: 15, b: '0b101', c: 0.5, d: 'yes', e: '1_000', f: Infinity, '': 'n' };
    same(parseYamlText(doc, 'f.yaml'), expected);
    // An anchor anywhere sends the text to the precise parser: the same data.
    same(parseYamlText(`${doc}g: &x 1\n`, 'f.yaml'), { ...expected, g: 1 });
  });

  test('tags, directives and collection keys go to the precise parser', () => {
    for (const t of [
      'v: !!float 1\n',
      'v: !!str 12\n',
      'v: !custom x\n',
      '%YAML 1.1\n---\nv: yes\n',
      '[a, b]: 1\n',
      '{a: 1}: 2\n',
      'v: {[a]}\n',
      '? x\n: 1\n',
    ])
      expect(parseYamlFast(t).ok, t).toBe(false);
    expect(parseYamlFast('url: "${HOST}:${PORT}"\nv: [{ a: 1 }]\ncmd: echo hi!\n').ok).toBe(true);
  });

  test('a key that is a list or mapping is refused with its position', () => {
    for (const [text, at] of [
      ['a: 1\n[x, y]: 2\n', 'f.yaml:2:1'],
      ['v: {[x]: 1}\n', 'f.yaml:1:5'],
    ] as const) {
      expect(() => parseYamlText(text, 'f.yaml')).toThrow(
        `${at}: YAML: a key must be a name, not a list or mapping`,
      );
    }
  });

  test('duplicate YAML keys are refused by both paths, with the position of the second', () => {
    expect(parseYamlFast('a: 1\nb: 2\na: 3\n').ok).toBe(false);
    expect(() => parseYamlText('a: 1\nb: 2\na: 3\n', 'f.yaml')).toThrow('f.yaml:3:1');
    expect(() => parseYamlText('a: {x: 1, x: 2}\nk: &y 1\n', 'f.yaml')).toThrow('f.yaml:1:11');
  });
});

describe('JSON duplicate keys', () => {
  test('a duplicate key is refused at the line:column of its second occurrence', () => {
    const text =
      '{\n  "services": {\n    "a": { "activate": "true" },\n    "a": { "activate": "false" }\n  }\n}\n';
    expect(() => parseJsonText(text, 'c.json')).toThrow('c.json:4:5: JSON: duplicate key "a"');
  });

  test('keys are compared after escapes, per object, not across objects or arrays', () => {
    expect(() => parseJsonText('{"a": 1, "\\u0061": 2}', 'c.json')).toThrow(
      'c.json:1:10: JSON: duplicate key "a"',
    );
    expect(
      parseJsonText('{"a": {"a": 1}, "b": [{"a": 1}, {"a": "x\\"a"}], "c": "a"}', 'c.json'),
    ).toStrictEqual({ a: { a: 1 }, b: [{ a: 1 }, { a: 'x"a' }], c: 'a' });
  });

  test("in package.json only the stagecraft part counts: duplicates elsewhere are npm's", () => {
    const npm = '{"scripts": {"a": "1", "a": "2"}, "stagecraft": {"services": {}}}';
    expect(parseJsonText(npm, 'package.json', 'stagecraft')).toMatchObject({ stagecraft: {} });
    const ours = '{"scripts": {}, "stagecraft": {"vars": {"A": "1", "A": "2"}}}';
    expect(() => parseJsonText(ours, 'package.json', 'stagecraft')).toThrow(
      'package.json:1:51: JSON: duplicate key "A"',
    );
  });
});
