import { describe, expect, test } from 'vitest';
import { machineToDot } from '../../src/export/dot-machine.js';
import { pathHighlight } from '../../src/export/highlight.js';
import { machineModel } from '../../src/export/model.js';
import { pathPage } from '../../src/export/path-page.js';
import { stackSvgs } from '../../src/export/stack-svg.js';
import { dotToSvg } from '../../src/export/svg.js';
import { deploymentMachine } from '../../src/machines/deployment/index.js';

const model = machineModel(deploymentMachine);
const PATH = [
  'deployment.validating',
  'deployment.preparing',
  'deployment.activating',
  'deployment.activating.next',
  'deployment.activating.running',
  'deployment.activating.running.working',
  'deployment.activating.running.deciding',
  'deployment.rollingBack',
  'deployment.done',
  'deployment.finished',
];

describe('a path drawn over the deployment statechart', () => {
  test('each state entered is reached by a transition of a state entered before it, or as an initial child', () => {
    const h = pathHighlight(model, PATH, { 'deployment.rollingBack': 'rolls back api → db' });
    expect(h.states).toEqual(PATH);
    expect(h.edges).toContainEqual({
      from: 'deployment.activating.running.deciding',
      to: 'deployment.rollingBack',
    });
    expect(h.edges).toContainEqual({
      from: 'deployment.activating.running',
      to: 'deployment.activating.running.working',
    });
    expect(h.edges).toContainEqual({ from: 'deployment.rollingBack', to: 'deployment.done' });
    // Every edge is a transition of the model, or a compound state's initial child.
    for (const e of h.edges ?? [])
      expect(
        model.transitions.some((t) => t.source === e.from && t.targets.includes(e.to)) ||
          model.states.some((s) => s.id === e.from && s.initial === e.to),
      ).toBe(true);
  });

  test('ids that are not states of the machine are left out', () => {
    const h = pathHighlight(model, ['deployment.validating', 'deployment.nowhere'], {
      'deployment.nowhere': 'x',
    });
    expect(h.states).toEqual(['deployment.validating']);
    expect(h.notes).toEqual({});
  });

  test('the DOT renderer colours the path and writes each note in its state; without a highlight it draws as before', async () => {
    const plain = machineToDot(model);
    expect(plain).not.toContain('#c2410c');
    const h = pathHighlight(model, PATH, { 'deployment.rollingBack': 'rolls back api → db' });
    const dot = machineToDot(model, { highlight: h });
    expect(dot).toMatch(
      /"deployment\.rollingBack" \[[^\]]*rolls back api → db[^\]]*color="#c2410c"/,
    );
    expect(dot).toMatch(
      /"deployment\.activating\.running\.deciding" -> "deployment\.rollingBack" \[[^\]]*color="#c2410c"/,
    );
    const svg = await dotToSvg(dot);
    expect(svg).toContain('rolls back api → db');
    expect(svg).toContain('stroke="#c2410c"');
  });

  test('stacked pictures keep each one whole, one below the other, and the page embeds them with the path as a list', () => {
    const a =
      '<?xml version="1.0"?>\n<svg width="100pt" height="50pt" viewBox="0 0 100 50"><g/></svg>';
    const b = '<svg width="80pt" height="40pt" viewBox="0 0 80 40"><g/></svg>';
    const stacked = stackSvgs([a, b], 10);
    expect(stacked).toContain('width="100pt" height="100pt" viewBox="0 0 100 100"');
    expect(stacked).toContain('<svg x="0" y="0" width="100" height="50" viewBox="0 0 100 50">');
    expect(stacked).toContain('<svg x="0" y="60" width="80" height="40" viewBox="0 0 80 40">');
    const page = pathPage({ title: 'a <b>', svgs: [a], items: ['x → y'] });
    expect(page).toContain('<title>a &lt;b&gt;</title>');
    expect(page).not.toContain('<?xml');
    expect(page).toContain('<li>x → y</li>');
    expect(page).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });
});
