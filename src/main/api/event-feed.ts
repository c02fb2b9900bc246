// The event stream's filter: one store listener fans each committed batch out to subscribers,
// each seeing only documents of teams they belong to (instance-wide ones by their rules), with
// secrets removed. Transports (WebSocket, IPC) only deliver what this hands them.

import { TEAM_SCOPED, isCollectionName, type CollectionName } from '../../shared/collections';
import type { ApiChange, ApiEventMessage } from '../../shared/api/events';
import type { ChangeEvent, Store } from '../db/store';
import type { Caller, UserCaller } from './caller';
import { roleInTeam } from './authorize';
import type { ApiDispatcher } from './dispatcher';
import { redact } from './redact';

/** Instance-wide collections only the instance owner sees in the stream. */
const OWNER_ONLY = new Set<CollectionName>(['users', '_system_remote_peers', 'sources']);
/** Changes to these can change what a subscriber may see. */
const ACCESS_COLLECTIONS = new Set(['memberships', 'users', 'teams']);

interface Subscriber {
  caller: UserCaller;
  send: (msg: ApiEventMessage) => void;
  /** Called when the session or token behind the subscription is gone. */
  end: () => void;
  teams: Set<string> | null;
}

export class EventFeed {
  private readonly subscribers = new Set<Subscriber>();
  private readonly store: Store;
  private readonly stop: () => void;

  constructor(private readonly dispatcher: ApiDispatcher) {
    this.store = dispatcher.store;
    this.stop = this.store.onChange((events) => this.fanOut(events));
  }

  subscribe(caller: Caller, send: (msg: ApiEventMessage) => void, end: () => void): () => void {
    if (caller.kind !== 'user') throw new Error('event subscriptions need a signed-in caller');
    const sub: Subscriber = { caller, send, end, teams: null };
    this.subscribers.add(sub);
    send({ type: 'hello', nodeId: this.store.nodeId });
    return () => this.subscribers.delete(sub);
  }

  get size(): number {
    return this.subscribers.size;
  }

  close(): void {
    this.stop();
    this.subscribers.clear();
  }

  private fanOut(events: readonly ChangeEvent[]): void {
    if (this.subscribers.size === 0) return;
    const accessChanged = events.some((e) => ACCESS_COLLECTIONS.has(e.collection));
    const docs = new Map<string, Record<string, unknown> | null>();
    const docOf = (e: ChangeEvent): Record<string, unknown> | null => {
      const key = `${e.collection}\u0000${e.id}`;
      if (!docs.has(key)) {
        const doc = e.live && isCollectionName(e.collection) ? this.store.get(e.collection, e.id) : undefined;
        docs.set(key, doc ? redact(doc as Record<string, unknown>) : null);
      }
      return docs.get(key)!;
    };
    for (const sub of [...this.subscribers]) {
      if (accessChanged) sub.teams = null;
      if (accessChanged && !this.dispatcher.sessionAlive(sub.caller)) {
        this.subscribers.delete(sub);
        sub.end();
        continue;
      }
      const changes: ApiChange[] = [];
      for (const e of events) {
        const teamId = e.team;
        if (!this.visible(sub, e.collection, e.id, teamId)) continue;
        const doc = docOf(e);
        changes.push({ collection: e.collection, id: e.id, teamId, deleted: doc === null, version: doc ? (doc.version as string) : null, doc });
      }
      if (changes.length > 0) sub.send({ type: 'changes', changes });
    }
  }

  private visible(sub: Subscriber, collection: string, id: string, teamId: string | null): boolean {
    if (!isCollectionName(collection)) return false;
    const { caller } = sub;
    if (collection === 'users') return id === caller.user.id || (caller.user.owner && caller.via !== 'token');
    if (OWNER_ONLY.has(collection)) return caller.user.owner && caller.via !== 'token';
    if (collection === 'members') return true;
    if (collection !== 'teams' && !TEAM_SCOPED.has(collection)) return false;
    if (teamId === null) return false;
    sub.teams ??= this.teamsOf(caller);
    return sub.teams.has(teamId);
  }

  private teamsOf(caller: UserCaller): Set<string> {
    const ids = this.store.list('teams').map((t) => t.id).filter((id) => roleInTeam(this.store, caller, id) !== null);
    return new Set(caller.via === 'token' ? ids.filter((id) => id === caller.token.teamId) : ids);
  }
}
