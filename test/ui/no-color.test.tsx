import { afterEach, describe, expect, it } from 'vitest';
import { colorsWanted } from '../../src/ui/shared/colors.js';

// Force chalk (inside Ink) to emit colours although vitest's stdout is not a TTY; chalk reads this
// when it is first imported, which happens below through a dynamic import of the helpers' Ink.
process.env['FORCE_COLOR'] = '3';
const { decision, liveRun, mount, row, unmountAll, untilFrame } = await import('./helpers.js');

afterEach(unmountAll);

const colour = new RegExp(`${String.fromCharCode(27)}\\[(3[0-9]|9[0-7])m`);
const runWithColours = () =>
  liveRun([row('db', 'healthy'), row('api', 'unhealthy', { reason: '503' })], {
    decision: decision(),
  });

describe('NO_COLOR', () => {
  it('is read from the environment: set and non-empty means no colours', () => {
    expect(colorsWanted({ NO_COLOR: '1' })).toBe(false);
    expect(colorsWanted({ NO_COLOR: '' })).toBe(true);
    expect(colorsWanted({})).toBe(true);
  });

  it('renders no colour escape codes when colours are off, even where the terminal supports them', async () => {
    const m = mount(runWithColours(), { colors: false });
    await untilFrame(m, 'abort');
    expect(m.frame()).not.toMatch(colour);
  });

  it('renders colours when they are on (so the check above can fail)', async () => {
    const m = mount(runWithColours(), { colors: true });
    await untilFrame(m, 'abort');
    expect(m.frame()).toMatch(colour);
  });
});
