import { expect, it } from 'vitest';
import { CONTRACT_VERSION } from '../src/index.js';

it('exposes the contract version', () => {
  expect(CONTRACT_VERSION).toBe(1);
});
