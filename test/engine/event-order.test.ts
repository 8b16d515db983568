/**
 * The order of what a deployment reports, with the built CLI on a stack of three explicit stages
 * (data → app → edge), a stage verify and an integration check (test/fixtures/order-stack):
 * `--plain`, `--json`, the journal and `show` tell the events in the order they happened, and a
 * dry run tells the same stream — its `would …` lines inside the state they belong to, its
 * prompts the live run's prompts with the same choices.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ROOT } from '../cli/helpers.js';
import {
  Terminal,
  bin,
  copyProject,
  freePort,
  readJournal,
  removeDir,
  runIds,
  type JournalLine,
} from '../ui/tmux-kit.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'order-stack');

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Stack {
  dir: string;
  ports: { db: number; app: number; edge: number };
  /** Runs the built CLI on the copy (no terminal, CI set) and resolves once it has exited. */
  cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
}

/** A private copy of the fixture with free ports; stopped and removed after the test. */
async function stack(): Promise<Stack> {
  const dir = await copyProject(FIXTURE);
  const ports = { db: await freePort(), app: await freePort(), edge: await freePort() };
  const vars = ['DB_PORT', 'APP_PORT', 'EDGE_PORT'].map(
    (v, i) => `${v}=${[ports.db, ports.app, ports.edge][i]}`,
  );
  const cli: Stack['cli'] = (args) =>
    new Promise((done) => {
      execFile(
        process.execPath,
        [bin, ...args, '-c', dir, ...vars.flatMap((v) => ['--var', v])],
        {
          cwd: dir,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CI: 'true' },
          encoding: 'utf8',
          timeout: 30_000,
        },
        (err, stdout, stderr) =>
          done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
      );
    });
  cleanups.push(() => removeDir(dir));
  cleanups.push(async () => {
    await cli(['down', '--yes']);
  });
  return { dir, ports, cli };
}

/**
 * The lines of `--plain` output that say what happened, without what varies between runs:
 * probe attempts (indented four spaces), durations, ids, reasons and check details.
 */
function plainLines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('    '))
    .map((l) =>
      l
        .replace(/ \((\d{8}-\d{6}-[0-9a-f]{4}|dry-run)\)$/, '')
        .replace(/^(stage \S+: \S+) in [\d.]+ m?s$/, '$1')
        .replace(/^( {2}\S+: \S+) — .*$/, '$1')
        .replace(/^( {2}[✓✗] [^:]+): .*$/, '$1')
        .replace(/^ {2}release \S+ recorded$/, '  release recorded')
        .replace(/^(\? .*) in \d+ s$/, '$1'),
    );
}

type Event = Record<string, unknown> & { type: string };

/** One word-key per event or fact (health attempts, whose count varies, left out). */
function keyOf(e: Event): string[] {
  const s = (k: string): string => String(e[k]);
  switch (e.type) {
    case 'health.attempt':
    case 'run.closed':
      return [];
    case 'phase':
      return [`phase ${s('phase')}`];
    case 'stage.status':
      return [`stage ${s('stage')} ${s('status')}`];
    case 'service.state':
      return [`${s('service')} ${s('state')}`];
    case 'service.process':
      return [`${s('service')} process`];
    case 'service.activated':
      return [`${s('service')} activated`];
    case 'check':
      return [`check ${s('name')} ${e.ok === true ? 'passed' : 'failed'}`];
    case 'dry-run.action':
      return [`would ${s('text')}`];
    case 'decision.requested':
      return [`asked ${String((e.decision as { subject: string }).subject)}`];
    case 'decision.taken':
      return [`decided ${s('subject')} ${s('choice')}`];
    case 'deployment.finished':
      return [`finished ${s('result')}`];
    default:
      return [e.type];
  }
}

const keys = (events: readonly Event[]): string[] => events.flatMap(keyOf);
const parseJson = (stdout: string): Event[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Event);
const isWould = (k: string): boolean => k.startsWith('would ') || k.startsWith('  would ');

/** What a real deployment of the stack reports, in order (`--plain`). */
const REAL_PLAIN = [
  'deploy order-stack → default',
  '── validating',
  '── preparing',
  '── activating',
  'stage data: running',
  '  migrate: waiting',
  '  db: activating',
  '  db: checking',
  '  db: healthy',
  '  migrate: activating',
  '  migrate: healthy',
  'stage data: verifying',
  'stage data: succeeded',
  'stage app: running',
  '  app: activating',
  '  app: checking',
  '  app: healthy',
  'stage app: verifying',
  '  ✓ stage app verify app-answers',
  'stage app: succeeded',
  'stage edge: running',
  '  edge: activating',
  '  edge: checking',
  '  edge: healthy',
  'stage edge: verifying',
  'stage edge: succeeded',
  '── verifying',
  '  ✓ integration edge-answers',
  '── finalizing',
  '  release recorded',
  'succeeded (exit 0)',
];

/** The same, as events (`--json`) and as journaled facts. */
const REAL_EVENTS = [
  'run.started',
  'phase validating',
  'prerequisites.checked',
  'phase preparing',
  'phase activating',
  'stage data running',
  'migrate waiting',
  'db activating',
  'db process',
  'db checking',
  'db healthy',
  'migrate activating',
  'migrate activated',
  'migrate healthy',
  'stage data verifying',
  'stage data succeeded',
  'stage app running',
  'app activating',
  'app process',
  'app checking',
  'app healthy',
  'stage app verifying',
  'check app-answers passed',
  'stage app succeeded',
  'stage edge running',
  'edge activating',
  'edge process',
  'edge checking',
  'edge healthy',
  'stage edge verifying',
  'stage edge succeeded',
  'phase verifying',
  'check edge-answers passed',
  'phase finalizing',
  'release.recorded',
  'phase done',
  'finished succeeded',
];

/** `REAL` with each of `insert`'s lines placed right after the line it names. */
function withAfter(real: readonly string[], insert: ReadonlyArray<[string, string]>): string[] {
  const out: string[] = [];
  const pending = [...insert];
  for (const line of real) {
    out.push(line);
    while (pending[0]?.[0] === line) out.push(pending.shift()?.[1] ?? '');
  }
  expect(pending).toEqual([]);
  return out;
}

/** What the dry run would do, each right after the event of the state it belongs to. */
function wouldLines(p: Stack['ports'], indent: string, at: (key: string) => string) {
  const url = (port: number): string => `http GET http://127.0.0.1:${port}/`;
  const probe = (port: number): string => `probe ${url(port)}: ${url(port)}`;
  const start = (svc: string, v: string): string =>
    `start process ${svc}: node http-server.mjs ${v} (stopping its previous instance first)`;
  return (
    [
      ['phase validating', 'check 0 prerequisites'],
      ['db activating', start('db', 'DB_PORT')],
      ['db checking', probe(p.db)],
      ['migrate activating', 'run migrate.activate: echo migrated'],
      ['app activating', start('app', 'APP_PORT')],
      ['app checking', probe(p.app)],
      ['stage app verifying', `probe stage.app.verify.app-answers: ${url(p.app)}`],
      ['edge activating', start('edge', 'EDGE_PORT')],
      ['edge checking', probe(p.edge)],
      ['phase verifying', `probe integration.edge-answers: ${url(p.edge)}`],
      ['phase finalizing', 'record release dry-run for default'],
    ] as const
  ).map(([after, text]): [string, string] => [at(after), `${indent}would ${text}`]);
}

/** The plain line of the event key a `would` follows. */
const plainOf = (key: string): string => {
  const [a, b, c] = key.split(' ');
  if (a === 'phase') return `── ${b}`;
  if (a === 'stage') return `stage ${b}: ${c}`;
  return `  ${a}: ${b}`;
};

/** The phase and stage names of `show`'s sections, in the order it lists them. */
function shownOrder(text: string, section: string): string[] {
  const lines = text.split('\n');
  const from = lines.indexOf(`${section}:`);
  expect(from).toBeGreaterThanOrEqual(0);
  const names: string[] = [];
  for (const l of lines.slice(from + 1)) {
    const m = /^ {2}\d\d:\d\d:\d\d\.\d{3} {2}(\S+)/.exec(l);
    if (m?.[1] === undefined) break;
    names.push(m[1]);
  }
  return names;
}

describe('the order of what a deployment reports', { timeout: 120_000 }, () => {
  test('--plain, --json, the journal and show tell each stage ending before the next begins, and the last before verifying', async () => {
    const s = await stack();
    const plain = await s.cli(['deploy', '--yes', '--plain']);
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    expect(plainLines(plain.stdout)).toEqual(REAL_PLAIN);
    expect((await s.cli(['down', '--yes'])).code).toBe(0);

    const json = await s.cli(['deploy', '--yes', '--json']);
    expect(json.code).toBe(0);
    const events = parseJson(json.stdout);
    expect(keys(events)).toEqual(REAL_EVENTS);
    const id = String(events[0]?.deploymentId);
    const journal: JournalLine[] = await readJournal(s.dir, id);
    expect(journal.map((f) => f.seq)).toEqual(journal.map((_, i) => i + 1));
    expect(keys(journal)).toEqual(REAL_EVENTS);

    const show = await s.cli(['show', id]);
    expect(show.code).toBe(0);
    expect(shownOrder(show.stdout, 'phases')).toEqual([
      'validating',
      'preparing',
      'activating',
      'verifying',
      'finalizing',
    ]);
    expect(shownOrder(show.stdout, 'stages')).toEqual(['data', 'app', 'edge']);
  });

  test('a dry run tells the real run’s stream, each would line inside the phase, stage or service state it belongs to (--plain and --json)', async () => {
    const s = await stack();
    const plain = await s.cli(['deploy', '--dry-run', '--plain']);
    expect(plain.code).toBe(0);
    const lines = plainLines(plain.stdout);
    const summary = lines.indexOf('confirmation points (interactive runs):');
    expect(summary).toBeGreaterThan(0);
    expect(lines.slice(0, summary)).toEqual([
      'dry run: nothing is started, stopped or written',
      ...withAfter(REAL_PLAIN, wouldLines(s.ports, '  ', plainOf)),
    ]);
    expect(lines.slice(summary)).toEqual([
      'confirmation points (interactive runs):',
      '  none (use --step to confirm every stage)',
      'rollback paths (policy.onFailure: ask):',
      '  failure in stage data: roll back migrate → db',
      '  failure in stage app: roll back app → migrate → db',
      '  failure in stage edge: roll back edge → app → migrate → db',
    ]);

    const json = await s.cli(['deploy', '--dry-run', '--json']);
    expect(json.code).toBe(0);
    const dry = keys(parseJson(json.stdout));
    expect(dry).toEqual(
      withAfter(
        REAL_EVENTS,
        wouldLines(s.ports, '', (k) => k),
      ),
    );
    expect(dry.filter((k) => !isWould(k))).toEqual(REAL_EVENTS);
    // Nothing was started or written.
    expect(await runIds(s.dir)).toEqual([]);
  });

  test('a dry run with --step asks what a live --step run asks in a terminal: the same prompts, with the same choices, in the same place', async () => {
    const s = await stack();
    const dryJson = await s.cli(['deploy', '--dry-run', '--step', '--json']);
    expect(dryJson.code).toBe(0);
    const dryEvents = parseJson(dryJson.stdout);
    const dryPlain = await s.cli(['deploy', '--dry-run', '--step', '--plain']);
    expect(dryPlain.code).toBe(0);

    // The live run, in a real terminal: proceed at each stage's prompt.
    const vars = `--var DB_PORT=${s.ports.db} --var APP_PORT=${s.ports.app} --var EDGE_PORT=${s.ports.edge}`;
    const term = new Terminal(s.dir, `node ${bin} deploy --step -c ${s.dir} ${vars}`);
    cleanups.push(() => term.kill());
    for (const stage of ['data', 'app', 'edge']) {
      await term.waitFor(`Start stage ${stage} (`);
      term.keys('p');
    }
    expect(await term.exitCode()).toBe(0);
    const [id] = await runIds(s.dir);
    const live: JournalLine[] = await readJournal(s.dir, id ?? '');

    type Asked = { kind: string; subject: string; message: string; choices: string[] };
    const prompts = (events: readonly Event[]) =>
      events
        .filter((e) => e.type === 'decision.requested')
        .map((e) => {
          const { kind, subject, message, choices, defaultChoice } = e.decision as Asked & {
            defaultChoice: string;
          };
          return { kind, subject, message, choices, defaultChoice };
        });
    const livePrompts = prompts(live);
    expect(livePrompts.map((p) => [p.subject, p.choices])).toEqual([
      ['data', ['proceed', 'abort']],
      ['app', ['proceed', 'abort']],
      ['edge', ['proceed', 'skip-stage', 'abort']],
    ]);
    expect(prompts(dryEvents)).toEqual(livePrompts);
    // In the same place of the stream: the live run's events are the dry run's without its actions
    // (the live operator is `by` someone else, the choice the same).
    expect(keys(dryEvents).filter((k) => !isWould(k))).toEqual(keys(live));
    expect(
      dryEvents.filter((e) => e.type === 'decision.taken').map((e) => [e.subject, e.choice]),
    ).toEqual(live.filter((e) => e.type === 'decision.taken').map((e) => [e.subject, e.choice]));

    // The summary lists the confirmation points with the live prompt's choices.
    const lines = plainLines(dryPlain.stdout);
    const at = lines.indexOf('confirmation points (interactive runs):');
    expect(lines.slice(at + 1, at + 4)).toEqual(
      livePrompts.map(
        (p) => `  before stage ${p.subject}: ${p.choices.join(' | ')} (default ${p.defaultChoice})`,
      ),
    );
    // With --yes the dry run asks nothing, as a real --yes --step run asks nothing.
    const dryYes = await s.cli(['deploy', '--dry-run', '--step', '--yes', '--json']);
    expect(dryYes.code).toBe(0);
    const realYes = await s.cli(['deploy', '--step', '--yes', '--json']);
    expect(realYes.code).toBe(0);
    const yesKeys = keys(parseJson(realYes.stdout));
    expect(yesKeys.filter((k) => k.startsWith('asked '))).toEqual([]);
    expect(keys(parseJson(dryYes.stdout)).filter((k) => !isWould(k))).toEqual(yesKeys);
    for (const p of livePrompts)
      expect(lines).toContain(
        `? ${p.message} [${p.choices.join(' | ')}] default ${p.defaultChoice}`,
      );
  });
});
