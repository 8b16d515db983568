/** Many instances of a placed service collapse to one row; few, or a selected one, stay rows. */
import { describe, expect, it } from 'vitest';
import type { ServiceView } from '../../src/record/view.js';
import { COLLAPSE_ABOVE, fleetText, listRows } from '../../src/ui/shared/fleet-rows.js';

const view = (name: string, extra: Partial<ServiceView> = {}): ServiceView => ({
  name,
  stage: 'app',
  group: 'app',
  kind: 'activate',
  state: 'pending',
  attempt: 0,
  maxAttempts: 1,
  ...extra,
});
const fleet = (n: number, state: (i: number) => Partial<ServiceView> = () => ({})) =>
  Array.from({ length: n }, (_, i) =>
    view(`api@h${i + 1}`, { placement: { service: 'api', host: `h${i + 1}` }, ...state(i) }),
  );

describe('fleet rows', () => {
  it(`keeps up to ${COLLAPSE_ABOVE} instances as rows of their own`, () => {
    const rows = listRows([view('db'), ...fleet(COLLAPSE_ABOVE)]);
    expect(rows).toHaveLength(COLLAPSE_ABOVE + 1);
    expect(rows.every((r) => 'service' in r)).toBe(true);
  });

  it('collapses more into one row in place of the first: counts, batch, failed and unknown hosts', () => {
    const instances = fleet(40, (i) => {
      if (i < 10)
        return {
          state: 'healthy',
          placement: { service: 'api', host: `h${i + 1}`, batch: 1, of: 4 },
        };
      if (i === 10)
        return {
          state: 'failed',
          reason: 'api@h11.activate exited with code 1',
          placement: { service: 'api', host: 'h11', batch: 2, of: 4 },
        };
      if (i === 11)
        return {
          state: 'skipped',
          reason: 'api@h12.activate is unknown: connection to h12 lost',
          placement: { service: 'api', host: 'h12', batch: 2, of: 4 },
        };
      return {};
    });
    const rows = listRows([view('db'), ...instances, view('web')]);
    expect(rows).toHaveLength(3);
    const [, middle] = rows;
    if (middle === undefined || !('fleet' in middle)) throw new Error('no fleet row');
    expect(fleetText(middle.fleet)).toBe(
      'api ×40 · batch 2/4 · 1 failed · 28 pending · 10 healthy · 1 skipped · failed: h11 · unknown: h12',
    );
  });

  it('does not collapse the fleet the selection is in', () => {
    const rows = listRows(fleet(10), 'api@h3');
    expect(rows).toHaveLength(10);
  });
});
