/**
 * Cross-origin isolation of the playground: the dev server and `vite preview` send COOP/COEP, and the static build
 * carries a `_headers` file with them (WASM threads need SharedArrayBuffer, which needs isolation).
 */
import { describe, expect, test } from 'vitest';
import config from '../../../vite.config.ts';
import { headersFile, ISOLATION_HEADERS } from '../build/isolation.ts';

describe('cross-origin isolation', () => {
  test('dev server and preview send COOP same-origin and COEP require-corp', () => {
    for (const headers of [config.server?.headers, config.preview?.headers]) {
      expect(headers).toMatchObject({
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      });
    }
  });

  test('the static build writes both headers for every path in _headers', () => {
    expect(headersFile()).toBe(
      '/*\n  Cross-Origin-Opener-Policy: same-origin\n  Cross-Origin-Embedder-Policy: require-corp\n',
    );
    expect(Object.keys(ISOLATION_HEADERS)).toHaveLength(2);
    expect(
      (config.plugins ?? []).flat().some((p) => p && 'name' in p && p.name === 'interpreto:isolation-headers'),
    ).toBe(true);
  });
});
