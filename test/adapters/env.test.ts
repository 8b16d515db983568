import { describe, expect, test } from 'vitest';
import { buildEnv, readSecrets, withoutSecrets } from '../../src/adapters/env.js';

describe('env', () => {
  test('buildEnv layers variables over process.env, later layers winning', () => {
    const env = buildEnv({ A: '1', B: '1' }, { B: '2' });
    expect(env).toMatchObject({ A: '1', B: '2' });
    expect(env.PATH).toBe(process.env.PATH);
  });

  test('readSecrets reads values by name and lists the missing ones', () => {
    expect(readSecrets(['DB_PASSWORD', 'API_KEY'], { DB_PASSWORD: 'pw' })).toEqual({
      values: { DB_PASSWORD: 'pw' },
      missing: ['API_KEY'],
    });
  });

  test('withoutSecrets drops secret keys', () => {
    expect(withoutSecrets({ A: '1', DB_PASSWORD: 'x' }, ['DB_PASSWORD'])).toEqual({ A: '1' });
  });
});
