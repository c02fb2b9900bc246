// Web and desktop sessions: a random 256-bit id handed to the client once, only its hash stored.
// A session ends on logout, after 12 hours unused, or 7 days after sign-in, whichever comes first.

import type Database from 'better-sqlite3';
import { hashSecret, newSecret } from './secrets';

export const SESSION_IDLE_MS = 12 * 3600_000;
export const SESSION_MAX_MS = 7 * 24 * 3600_000;
/** Last-seen is rewritten at most this often, so reads do not each cost a disk write. */
const TOUCH_EVERY_MS = 60_000;

export interface Session {
  idHash: string;
  userId: string;
  expiresAt: number;
}

interface Row { id_hash: string; user_id: string; created_at: number; last_seen_at: number; expires_at: number }

export class Sessions {
  private readonly sql;

  constructor(db: Database.Database, private readonly now: () => number) {
    this.sql = {
      insert: db.prepare('INSERT INTO auth_sessions (id_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)'),
      get: db.prepare<[string], Row>('SELECT * FROM auth_sessions WHERE id_hash = ?'),
      touch: db.prepare('UPDATE auth_sessions SET last_seen_at = ? WHERE id_hash = ?'),
      remove: db.prepare('DELETE FROM auth_sessions WHERE id_hash = ?'),
      removeUser: db.prepare('DELETE FROM auth_sessions WHERE user_id = ?'),
      purge: db.prepare('DELETE FROM auth_sessions WHERE expires_at <= ? OR last_seen_at <= ?'),
    };
  }

  /** Starts a session; returns the secret for the cookie (shown to nobody else, stored only hashed). */
  start(userId: string): string {
    const secret = newSecret();
    const t = this.now();
    this.sql.purge.run(t, t - SESSION_IDLE_MS);
    this.sql.insert.run(hashSecret(secret), userId, t, t, t + SESSION_MAX_MS);
    return secret;
  }

  /** The live session for a secret, or null. */
  lookup(secret: string): Session | null {
    const idHash = hashSecret(secret);
    const row = this.sql.get.get(idHash);
    if (!row) return null;
    const t = this.now();
    if (row.expires_at <= t || row.last_seen_at + SESSION_IDLE_MS <= t) {
      this.sql.remove.run(idHash);
      return null;
    }
    if (t - row.last_seen_at >= TOUCH_EVERY_MS) this.sql.touch.run(t, idHash);
    return { idHash, userId: row.user_id, expiresAt: row.expires_at };
  }

  /** Whether a session (by hash) still exists and has not expired, without touching it. */
  alive(idHash: string): boolean {
    const row = this.sql.get.get(idHash);
    const t = this.now();
    return row !== undefined && row.expires_at > t && row.last_seen_at + SESSION_IDLE_MS > t;
  }

  end(idHash: string): void {
    this.sql.remove.run(idHash);
  }

  /** Signs a user out everywhere (e.g. when their account is disabled). */
  endAllFor(userId: string): void {
    this.sql.removeUser.run(userId);
  }
}
