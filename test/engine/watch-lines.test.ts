/** The line reporter's lines for the watch facts: what is watched, what failed, how it ended. */
import { describe, expect, it } from 'vitest';
import type { Fact } from '../../src/record/facts.js';
import { emptyRecord } from '../../src/record/fold.js';
import { formatFact, painter } from '../../src/runtime/reporters/line-format.js';

const line = (fact: Fact) =>
  formatFact({ ...fact, ts: 0 }, { record: emptyRecord(), exitCode: 0 }, painter(false));

describe('line reporter: the watch', () => {
  it('says what it watches, each failure and recovery, and how it ended', () => {
    expect(
      line({
        type: 'watch.started',
        services: ['api', 'web'],
        windowMs: 600_000,
        intervalMs: 2_000,
      }),
    ).toBe('watching api, web for 600.0 s (every 2.0 s)');
    expect(
      line({
        type: 'watch.probe',
        service: 'api',
        probe: 'http GET /h',
        ok: false,
        detail: '503',
        durationMs: 4,
      }),
    ).toBe('  api: http GET /h failed — 503');
    expect(
      line({
        type: 'watch.probe',
        service: 'api',
        probe: 'http GET /h',
        ok: true,
        detail: '200 OK',
        durationMs: 4,
      }),
    ).toBeUndefined();
    expect(line({ type: 'watch.alert', service: 'api', reason: 'r', atMs: 4_000 })).toBe(
      '! api failed 4.0 s into the watch — r',
    );
    expect(line({ type: 'watch.recovered', service: 'api', atMs: 8_000 })).toBe(
      '  api recovered 8.0 s into the watch',
    );
    expect(
      line({ type: 'watch.verdict', verdict: 'failed', service: 'api', reason: 'r', atMs: 8_000 }),
    ).toBe('watch failed after 8.0 s — r');
    expect(line({ type: 'watch.verdict', verdict: 'healthy', atMs: 600_000 })).toBe(
      'watch healthy after 600.0 s',
    );
  });
});
