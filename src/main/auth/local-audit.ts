// Audit entries for node-local changes (API tokens are not replicated, so no op records them).
// They are stamped with the store's HLC so they sort among the oplog's entries in the audit view.

import type Database from 'better-sqlite3';
import type { HlcClock } from '../../shared/hlc';
import type { Op } from '../../shared/ops';

interface Row { hlc: string; team_id: string | null; actor: string; collection: string; id: string; before_json: string; after_json: string }

export class LocalAudit {
  private readonly sql;

  constructor(db: Database.Database, private readonly clock: HlcClock) {
    this.sql = {
      insert: db.prepare('INSERT INTO local_audit (hlc, team_id, actor, collection, id, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      list: db.prepare<[{ team: string | null; before: string | null; limit: number }], Row>(
        'SELECT * FROM local_audit WHERE (@team IS NULL OR team_id = @team) AND (@before IS NULL OR hlc < @before) ORDER BY hlc DESC LIMIT @limit'),
    };
  }

  record(e: { teamId: string | null; actor: string; collection: string; id: string; before: Record<string, unknown>; after: Record<string, unknown> }): void {
    this.sql.insert.run(this.clock.tick(), e.teamId, e.actor, e.collection, e.id, JSON.stringify(e.before), JSON.stringify(e.after));
  }

  /** Entries shaped like ops (newest first), so the audit view treats both alike. */
  list(opts: { team: string | null; before: string | null; limit: number }): Op[] {
    return this.sql.list.all(opts).map((r) => {
      const prev = JSON.parse(r.before_json) as Record<string, unknown>;
      return {
        origin: r.hlc.slice(r.hlc.lastIndexOf('.') + 1), seq: 1, hlc: r.hlc, collection: r.collection, id: r.id, actor: r.actor, team: r.team_id,
        set: JSON.parse(r.after_json) as Record<string, unknown>, ...(Object.keys(prev).length > 0 ? { prev } : {}),
      };
    });
  }
}
