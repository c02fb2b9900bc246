import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock';

describe('FakeClock', () => {
  it('stands still until advanced', () => {
    const clock = new FakeClock(100);
    expect(clock.now()).toBe(100);
    clock.advance(50);
    expect(clock.now()).toBe(150);
  });

  it('runs due timers in due-time order, ties in scheduling order, each at its own time', () => {
    const clock = new FakeClock();
    const ran: string[] = [];
    clock.setTimeout(() => ran.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => ran.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => ran.push(`c@${clock.now()}`), 20);
    clock.setTimeout(() => ran.push(`late@${clock.now()}`), 31);
    clock.advance(30);
    expect(ran).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.now()).toBe(30);
    expect(clock.pending()).toBe(1);
  });

  it('runs a timer scheduled by a timer if it falls due within the same advance', () => {
    const clock = new FakeClock();
    const ran: number[] = [];
    clock.setTimeout(() => {
      ran.push(clock.now());
      clock.setTimeout(() => ran.push(clock.now()), 5);
    }, 10);
    clock.advance(15);
    expect(ran).toEqual([10, 15]);
  });

  it('never runs a cleared timer', () => {
    const clock = new FakeClock();
    let ran = false;
    const id = clock.setTimeout(() => (ran = true), 10);
    clock.clearTimeout(id);
    clock.advance(100);
    expect(ran).toBe(false);
    expect(clock.pending()).toBe(0);
  });

  it('refuses to go backwards', () => {
    const clock = new FakeClock(10);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advanceTo(5)).toThrow(RangeError);
  });
});
