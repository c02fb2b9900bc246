import { describe, expect, it } from 'vitest';
import { useTempStores } from '../../../test/support/temp-stores';
import { LinkTable, agentLinkMigrations, emptyLink } from './link-table';

const stores = useTempStores('link-table');

describe('the link table', () => {
  it('keeps every field across a restart, and orders records by where their rows sit, new ones last', () => {
    const first = stores.open('node', { migrations: agentLinkMigrations });
    const table = new LinkTable(first.db);
    const records = ['agt_c', 'agt_a', 'agt_b'].map((id, i) => ({
      ...emptyLink(id), desiredVersion: 3 + i, desiredChecksum: 'd'.repeat(64), appliedVersion: 2 + i, appliedChecksum: 'a'.repeat(64),
      lastAttempt: 1000 + i, lastSuccess: 900 + i, lastError: { code: 'NG_NGINX_REJECTED', message: 'bad', domainId: null },
      lastReport: { ok: false, code: 'NG_NGINX_REJECTED', message: 'bad', domainId: null, durationMs: 5, rolledBack: true }, lastSeen: 1100 + i, heartbeat: null,
    }));
    table.save(records);
    stores.close(first);

    const again = new LinkTable(stores.open('node', { migrations: agentLinkMigrations }).db);
    const loaded = again.load();
    expect([...loaded.values()]).toEqual(records);
    const fresh = emptyLink('agt_0');
    // Arrival order b, new, c, a → table order c, a, b (as first written), then the new one.
    const arrived = [loaded.get('agt_b')!, fresh, loaded.get('agt_c')!, loaded.get('agt_a')!];
    expect(again.inTableOrder(arrived).map((r) => r.agentId)).toEqual(['agt_c', 'agt_a', 'agt_b', 'agt_0']);
    // Once written, a row has its place: before any record not yet written.
    again.save([fresh]);
    expect(again.inTableOrder([emptyLink('agt_1'), fresh, loaded.get('agt_a')!]).map((r) => r.agentId)).toEqual(['agt_a', 'agt_0', 'agt_1']);
    expect(again.get('agt_0')).toEqual(fresh);
  });
});
