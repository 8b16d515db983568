import { describe, expect, test } from 'vitest';
import { dashboardFor } from '../../../src/adapters/metrics/dashboard.js';
import { allMetricNames, metricNames } from '../../../src/adapters/metrics/names.js';

describe('the Grafana dashboard', () => {
  const dashboard = dashboardFor(
    { title: 'Stagecraft: shop', datasource: '${DS_PROMETHEUS}', refresh: '30s' },
    metricNames,
    ['staging', 'production'],
  );

  test('is importable JSON: schema version, uid, an import input for the datasource', () => {
    const copy = JSON.parse(JSON.stringify(dashboard)) as typeof dashboard;
    expect(copy).toEqual(dashboard);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toBe('stagecraft-shop');
    expect(dashboard.refresh).toBe('30s');
    expect(dashboard.__inputs?.[0]).toMatchObject({
      name: 'DS_PROMETHEUS',
      pluginId: 'prometheus',
    });
  });

  test('has an environment variable defaulting to the first environment', () => {
    const [variable] = dashboard.templating.list;
    expect(variable).toMatchObject({
      name: 'environment',
      type: 'query',
      includeAll: true,
      multi: true,
      current: { value: ['staging'] },
    });
  });

  test('lays every panel out on the 24-column grid without overlap, each with targets', () => {
    const ids = new Set<number>();
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(ids.has(panel.id)).toBe(false);
      ids.add(panel.id);
      const { x, y, w, h } = panel.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          expect(cells.has(`${i},${j}`), panel.title).toBe(false);
          cells.add(`${i},${j}`);
        }
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        expect(target.datasource.uid).toBe('${DS_PROMETHEUS}');
        expect(target.expr).toContain('environment=~"$environment"');
      }
    }
    const titles = dashboard.panels.map((p) => p.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Current release',
        'Deployments by result',
        'Deployment duration',
        'Probe health',
      ]),
    );
  });

  test('queries only exported metric names', () => {
    const used = dashboard.panels.flatMap((p) =>
      (p.targets ?? []).flatMap((t) =>
        [...t.expr.matchAll(/\bstagecraft_[a-z_]+/g)].map((m) =>
          m[0].replace(/_(bucket|sum|count)$/, ''),
        ),
      ),
    );
    expect(used.length).toBeGreaterThan(10);
    for (const name of used) expect(allMetricNames).toContain(name);
  });

  test('a named datasource is used as it is, with no import input', () => {
    const named = dashboardFor(
      { title: 'x', datasource: 'prom-main', refresh: '1m' },
      metricNames,
      [],
    );
    expect(named.__inputs).toBeUndefined();
    expect(named.panels[0]?.datasource?.uid).toBe('prom-main');
    expect(named.templating.list[0]).toMatchObject({ current: { value: ['$__all'] } });
  });
});
