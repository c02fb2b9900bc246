import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

describe('reconnect backoff', () => {
  it('doubles from 1 s and stays within [half, whole] of each step, capped at 60 s', () => {
    const steps = [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000];
    steps.forEach((step, attempt) => {
      expect(backoffDelay(attempt, () => 0)).toBe(step / 2);
      expect(backoffDelay(attempt, () => 1)).toBe(step);
    });
    expect(backoffDelay(1000, () => 0.5)).toBe(45_000);
  });
});
