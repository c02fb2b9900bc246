// Scoped API tokens for scripts: bound to one team, scope read or write, with an expiry, revocable.
// The secret ("ngt_" + 256 random bits) is returned once at creation; only its hash is kept.

import type Database from 'better-sqlite3';
import { randomId } from '../../shared/ids';
import type { TokenScope } from '../../shared/api/roles';
import { API_TOKEN_PREFIX } from '../../shared/api/transport';
import { hashSecret, newSecret } from './secrets';

export interface ApiToken {
  id: string;
  teamId: string;
  userId: string;
  name: string;
  scope: TokenScope;
  prefix: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

interface Row {
  id: string; token_hash: string; prefix: string; team_id: string; user_id: string; name: string; scope: TokenScope;
  created_at: number; expires_at: number; revoked_at: number | null; last_used_at: number | null;
}

const fromRow = (r: Row): ApiToken => ({
  id: r.id, teamId: r.team_id, userId: r.user_id, name: r.name, scope: r.scope, prefix: r.prefix,
  createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at,
});

const TOUCH_EVERY_MS = 60_000;

export class ApiTokens {
  private readonly sql;

  constructor(db: Database.Database, private readonly now: () => number) {
    this.sql = {
      insert: db.prepare(`INSERT INTO api_tokens (id, token_hash, prefix, team_id, user_id, name, scope, created_at, expires_at)
                          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      byHash: db.prepare<[string], Row>('SELECT * FROM api_tokens WHERE token_hash = ?'),
      byId: db.prepare<[string], Row>('SELECT * FROM api_tokens WHERE id = ?'),
      byTeam: db.prepare<[string], Row>('SELECT * FROM api_tokens WHERE team_id = ? ORDER BY created_at DESC, id'),
      revoke: db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      touch: db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
    };
  }

  create(opts: { teamId: string; userId: string; name: string; scope: TokenScope; expiresInDays: number }): { secret: string; token: ApiToken } {
    const secret = `${API_TOKEN_PREFIX}${newSecret()}`;
    const id = randomId('tok_').slice(0, 24);
    const t = this.now();
    const prefix = secret.slice(0, API_TOKEN_PREFIX.length + 6);
    this.sql.insert.run(id, hashSecret(secret), prefix, opts.teamId, opts.userId, opts.name, opts.scope, t, t + opts.expiresInDays * 86_400_000);
    return { secret, token: fromRow(this.sql.byId.get(id)!) };
  }

  /** The token for a presented secret, if it exists, is not revoked and has not expired. */
  verify(secret: string): ApiToken | null {
    if (!secret.startsWith(API_TOKEN_PREFIX) || secret.length > 200) return null;
    const row = this.sql.byHash.get(hashSecret(secret));
    const t = this.now();
    if (!row || row.revoked_at !== null || row.expires_at <= t) return null;
    if (row.last_used_at === null || t - row.last_used_at >= TOUCH_EVERY_MS) this.sql.touch.run(t, row.id);
    return fromRow(row);
  }

  get(id: string): ApiToken | null {
    const row = this.sql.byId.get(id);
    return row ? fromRow(row) : null;
  }

  listForTeam(teamId: string): ApiToken[] {
    return this.sql.byTeam.all(teamId).map(fromRow);
  }

  revoke(id: string): boolean {
    return this.sql.revoke.run(this.now(), id).changes > 0;
  }
}
