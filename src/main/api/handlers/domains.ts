// Domains of a team: list and search, add, change WAF and target labels, delete with everything
// that hangs off them.

import { NgError } from '../../../shared/errors';
import { domainId as deriveDomainId } from '../../../shared/ids';
import type { Handlers } from '../context';
import { domainView, ownedDoc } from '../views';

export const domainHandlers: Handlers<'domains.list' | 'domains.get' | 'domains.create' | 'domains.update' | 'domains.delete'> = {
  'domains.list': (input, { store }) => {
    const needle = input.search?.toLowerCase() ?? '';
    const domains = store.list('domains', { team: input.teamId })
      .filter((d) => d.teamId === input.teamId)
      .map(domainView)
      .filter((d) => needle === '' || d.hostname.includes(needle) || d.displayHostname.toLowerCase().includes(needle));
    return { domains: domains.sort((a, b) => a.hostname.localeCompare(b.hostname)) };
  },

  'domains.get': (input, { store }) => ({ domain: domainView(ownedDoc(store, 'domains', input.domainId, input.teamId, 'domain')) }),

  'domains.create': (input, { store, actor, now }) => {
    const id = deriveDomainId(input.teamId, input.hostname);
    if (store.get('domains', id)) throw new NgError('NG_CONFLICT', `${input.hostname} is already a domain of this team`, { path: ['hostname'] });
    const doc = store.write('domains', id, {
      teamId: input.teamId, hostname: input.hostname, tls: { status: 'Pending', certificateId: null, notAfter: null },
      wafEnabled: input.wafEnabled, targetLabels: input.targetLabels, createdAt: now(),
    }, { actor, expectedVersion: null });
    return { domain: domainView(doc) };
  },

  'domains.update': (input, { store, actor }) => {
    ownedDoc(store, 'domains', input.domainId, input.teamId, 'domain');
    const set = {
      ...(input.wafEnabled !== undefined ? { wafEnabled: input.wafEnabled } : {}),
      ...(input.targetLabels !== undefined ? { targetLabels: input.targetLabels } : {}),
    };
    return { domain: domainView(store.write('domains', input.domainId, set, { actor, expectedVersion: input.expectedVersion })) };
  },

  'domains.delete': (input, { store, actor }) => {
    ownedDoc(store, 'domains', input.domainId, input.teamId, 'domain');
    store.transaction(() => {
      store.delete('domains', input.domainId, { actor, ...(input.expectedVersion ? { expectedVersion: input.expectedVersion } : {}) });
      for (const r of store.list('dns_records', { team: input.teamId })) {
        if (r.domainId === input.domainId) store.delete('dns_records', r.id, { actor });
      }
      store.delete('proxy_configs', input.domainId, { actor });
    });
    return { ok: true as const };
  },
};
