import { describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { LeaderDuties } from './leader-duties';

const quiet = () => createLogger({ level: 'silent', destination: { write: () => {} } });

describe('LeaderDuties', () => {
  it('runs every duty while leading and stops them on lost leadership', async () => {
    const duties = new LeaderDuties(quiet());
    const seen: string[] = [];
    duties.register('links', (term) => {
      seen.push(`links up ${term}`);
      return () => void seen.push('links down');
    });
    duties.register('alerts', async (term) => {
      seen.push(`alerts up ${term}`);
      return async () => void seen.push('alerts down');
    });
    expect(duties.running()).toEqual([]);
    await duties.becameLeader(2049);
    expect(duties.running().sort()).toEqual(['alerts', 'links']);
    await duties.lostLeadership();
    expect(duties.running()).toEqual([]);
    expect(seen.sort()).toEqual(['alerts down', 'alerts up 2049', 'links down', 'links up 2049']);
  });

  it('a duty that fails to start or stop is logged and does not stop the others', async () => {
    const duties = new LeaderDuties(quiet());
    const seen: string[] = [];
    duties.register('broken', () => {
      throw new Error('boom');
    });
    duties.register('sticky', () => () => {
      throw new Error('cannot stop');
    });
    duties.register('fine', () => () => void seen.push('fine down'));
    await duties.becameLeader(1);
    expect(duties.running().sort()).toEqual(['fine', 'sticky']);
    await duties.lostLeadership();
    expect(seen).toEqual(['fine down']);
    expect(duties.running()).toEqual([]);
  });

  it('a duty registered while leading starts at once; unregistering stops it; close stops the rest', async () => {
    const duties = new LeaderDuties(quiet());
    const seen: string[] = [];
    await duties.becameLeader(7);
    const unregister = duties.register('late', (term) => {
      seen.push(`late up ${term}`);
      return () => void seen.push('late down');
    });
    duties.register('other', () => () => void seen.push('other down'));
    await duties.becameLeader(7);
    expect(seen).toContain('late up 7');
    await unregister();
    expect(seen).toContain('late down');
    await duties.close();
    expect(seen).toContain('other down');
    await duties.becameLeader(8);
    expect(duties.running()).toEqual([]);
  });
});
