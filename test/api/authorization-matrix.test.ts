// Every procedure × caller × own/foreign team through the real HTTP transport. The expected
// statuses are written out here by hand from the access rules in docs/API.md, not derived from
// the code under test; a denied call must leave the state exactly as it was.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCEDURE_NAMES } from '../../src/shared/api/contract';
import { startTestNode, type TestNode } from './harness';
import { selfSignedCertificate } from '../support/certificates';
import { buildWorld, PASSWORD, seedDomain, seedMember, unique, type World } from './fixtures';
import { Client } from './harness';
import { createEnrollmentToken } from '../../src/main/gateway/agents-admin';

const CALLERS = ['owner', 'admin', 'operator', 'viewer', 'readToken', 'writeToken', 'anonymous'] as const;
type Row = readonly [number, number, number, number, number, number, number];

// Columns:             owner admin oper viewer rTok wTok anon
const ALL: Row =        [200, 200, 200, 200, 200, 200, 200];
const SIGNED_IN: Row =  [200, 200, 200, 200, 200, 200, 401];
const SESSION_ONLY: Row = [200, 200, 200, 200, 403, 403, 401];
const OWNER_ONLY: Row = [200, 403, 403, 403, 403, 403, 401];
const NOBODY: Row =     [403, 403, 403, 403, 403, 403, 403];
/** Owner-only cluster operations: this harness runs the API without peer links, so the owner, once let through, hears NG_UNAVAILABLE. */
const OWNER_ONLY_NO_LINKS: Row = [503, 403, 403, 403, 403, 403, 401];
const TEAM_READ: Row =  [200, 200, 200, 200, 200, 200, 401];
const TEAM_WRITE: Row = [200, 200, 200, 403, 403, 200, 401];
const TEAM_ADMIN: Row = [200, 200, 403, 403, 403, 403, 401];
/** In a team the caller is not a member of: only the instance owner (admin of every team) gets in. */
const FOREIGN: Row =    [200, 403, 403, 403, 403, 403, 401];

/** Procedures without a team: one row. Team procedures: own-team row and foreign-team row. */
const EXPECTED: Record<string, { own: Row; foreign?: Row }> = {
  'auth.status': { own: ALL },
  'auth.setup': { own: NOBODY },
  'auth.login': { own: ALL },
  'auth.logout': { own: SESSION_ONLY },
  'auth.me': { own: SIGNED_IN },
  'teams.list': { own: SIGNED_IN },
  'teams.create': { own: OWNER_ONLY },
  'users.list': { own: OWNER_ONLY },
  'peers.status': { own: SIGNED_IN },
  'remotePeers.list': { own: OWNER_ONLY },
  /** Sealing the client secret needs the cluster key, which this harness's node never holds. */
  'remotePeers.add': { own: OWNER_ONLY_NO_LINKS },
  'remotePeers.setEnabled': { own: OWNER_ONLY },
  'remotePeers.remove': { own: OWNER_ONLY },
  'cluster.create': { own: OWNER_ONLY_NO_LINKS },
  'cluster.join': { own: OWNER_ONLY_NO_LINKS },
  'cluster.connect': { own: OWNER_ONLY_NO_LINKS },
  'cluster.removeMember': { own: OWNER_ONLY_NO_LINKS },
  'cluster.setPriority': { own: OWNER_ONLY_NO_LINKS },
  'members.list': { own: TEAM_READ, foreign: FOREIGN },
  'members.set': { own: TEAM_ADMIN, foreign: FOREIGN },
  'members.remove': { own: TEAM_ADMIN, foreign: FOREIGN },
  'users.create': { own: TEAM_ADMIN, foreign: FOREIGN },
  'domains.list': { own: TEAM_READ, foreign: FOREIGN },
  'domains.get': { own: TEAM_READ, foreign: FOREIGN },
  'domains.create': { own: TEAM_WRITE, foreign: FOREIGN },
  'domains.update': { own: TEAM_WRITE, foreign: FOREIGN },
  'domains.delete': { own: TEAM_WRITE, foreign: FOREIGN },
  'dns.list': { own: TEAM_READ, foreign: FOREIGN },
  'dns.upsert': { own: TEAM_WRITE, foreign: FOREIGN },
  'dns.delete': { own: TEAM_WRITE, foreign: FOREIGN },
  'dns.exportZone': { own: TEAM_READ, foreign: FOREIGN },
  'proxy.get': { own: TEAM_READ, foreign: FOREIGN },
  'proxy.update': { own: TEAM_WRITE, foreign: FOREIGN },
  'proxy.preview': { own: TEAM_READ, foreign: FOREIGN },
  'audit.list': { own: TEAM_READ, foreign: FOREIGN },
  'apiTokens.list': { own: TEAM_ADMIN, foreign: FOREIGN },
  'apiTokens.create': { own: TEAM_ADMIN, foreign: FOREIGN },
  'apiTokens.revoke': { own: TEAM_ADMIN, foreign: FOREIGN },
  'agents.list': { own: TEAM_READ, foreign: FOREIGN },
  'incidents.list': { own: TEAM_READ, foreign: FOREIGN },
  'incidents.get': { own: TEAM_READ, foreign: FOREIGN },
  'incidents.acknowledge': { own: TEAM_WRITE, foreign: FOREIGN },
  'incidents.resolve': { own: TEAM_WRITE, foreign: FOREIGN },
  'telemetry.query': { own: TEAM_READ, foreign: FOREIGN },
  'alertRules.list': { own: TEAM_READ, foreign: FOREIGN },
  'alertRules.upsert': { own: TEAM_ADMIN, foreign: FOREIGN },
  'alertRules.delete': { own: TEAM_ADMIN, foreign: FOREIGN },
  'channels.list': { own: TEAM_ADMIN, foreign: FOREIGN },
  'channels.create': { own: TEAM_ADMIN, foreign: FOREIGN },
  'channels.update': { own: TEAM_ADMIN, foreign: FOREIGN },
  'channels.delete': { own: TEAM_ADMIN, foreign: FOREIGN },
  'channels.test': { own: TEAM_ADMIN, foreign: FOREIGN },
  'channels.deliveries': { own: TEAM_ADMIN, foreign: FOREIGN },
  'agents.createEnrollmentToken': { own: TEAM_ADMIN, foreign: FOREIGN },
  'agents.revokeEnrollmentToken': { own: TEAM_ADMIN, foreign: FOREIGN },
  'agents.revoke': { own: TEAM_ADMIN, foreign: FOREIGN },
  'agents.rotateKey': { own: TEAM_ADMIN, foreign: FOREIGN },
  'certificates.list': { own: TEAM_READ, foreign: FOREIGN },
  'certificates.upload': { own: TEAM_ADMIN, foreign: FOREIGN },
  'certificates.delete': { own: TEAM_ADMIN, foreign: FOREIGN },
};

/** The instance-wide audit view (audit.list without teamId) is the owner's alone. */
const AUDIT_ALL: Row = OWNER_ONLY;

const SETTINGS = {
  upstreamPools: [{ name: 'app', method: 'round_robin', servers: [{ host: '10.0.0.5', port: 8080, weight: 1, maxFails: 3, failTimeoutS: 10, backup: false }] }],
  routes: [{ path: '/', match: 'prefix', pool: 'app' }],
  wafRules: [], cache: { mode: 'off', ttlSeconds: 60 }, rateLimit: { enabled: false, requestsPerSecond: 10, burst: 20 }, headers: [],
};

/** A valid input for each procedure in team `t`, creating fresh documents where the call consumes one. */
function inputFor(node: TestNode, w: World, name: string, t: string): unknown {
  const d = w.docs[t]!;
  const fresh = () => seedDomain(node, t, unique('m-'));
  switch (name) {
    case 'auth.status': case 'auth.me': case 'auth.logout': case 'teams.list': case 'users.list': case 'peers.status': case 'remotePeers.list': return {};
    case 'cluster.create': return {};
    case 'remotePeers.add': return { nodeId: unique('cloud-'), address: 'wss://cloud.example.net:7381', authority: 'https://login.example.net', clientId: 'leader', clientSecret: 'never-shown-secret', scopes: ['netgoat:replicate'] };
    case 'remotePeers.setEnabled': return { nodeId: seedRemotePeer(node), enabled: false };
    case 'remotePeers.remove': return { nodeId: seedRemotePeer(node) };
    case 'cluster.join': return { address: 'wss://192.0.2.1:7381', joinCode: 'ngj1-caaaaaaaaaaaa-aaaa-aaaa' };
    case 'cluster.connect': return { address: 'wss://192.0.2.1:7381' };
    case 'cluster.removeMember': return { nodeId: 'nfeedface' };
    case 'cluster.setPriority': return { priority: 500 };
    case 'auth.setup': return { email: `${unique('s')}@example.com`, displayName: 'x', password: PASSWORD, teamName: 'x' };
    case 'auth.login': return { email: 'viewer@example.com', password: PASSWORD };
    case 'teams.create': return { name: unique('team ') };
    case 'members.list': case 'agents.list': case 'apiTokens.list': case 'audit.list': case 'incidents.list': return { teamId: t };
    case 'members.set': return { teamId: t, email: 'stranger@example.com', role: 'viewer' };
    case 'members.remove': return { teamId: t, userId: seedMember(node, t) };
    case 'users.create': return { teamId: t, email: `${unique('u')}@example.com`, displayName: 'New', password: PASSWORD, role: 'viewer' };
    case 'domains.list': return { teamId: t, search: 'seed' };
    case 'domains.get': case 'dns.list': case 'proxy.get': case 'proxy.preview': return { teamId: t, domainId: d.domainId };
    case 'domains.create': return { teamId: t, hostname: `${unique('new-')}.example.org` };
    case 'domains.update': {
      const f = fresh();
      return { teamId: t, domainId: f.domainId, expectedVersion: node.store.get('domains', f.domainId)!.version, wafEnabled: true };
    }
    case 'domains.delete': return { teamId: t, domainId: fresh().domainId };
    case 'dns.upsert': return { teamId: t, domainId: d.domainId, type: 'A', name: unique('h'), value: '192.0.2.7' };
    case 'dns.delete': { const f = fresh(); return { teamId: t, domainId: f.domainId, recordId: f.recordId }; }
    case 'dns.exportZone': return { teamId: t, domainId: d.domainId, nameServers: ['ns1.example.net'] };
    case 'proxy.update': return { teamId: t, domainId: fresh().domainId, expectedVersion: null, settings: SETTINGS };
    case 'apiTokens.create': return { teamId: t, name: 'bot', scope: 'read' };
    case 'apiTokens.revoke': return { teamId: t, tokenId: node.api.dispatcher.auth.tokens.create({ teamId: t, userId: 'fixture', name: 'x', scope: 'read', expiresInDays: 1 }).token.id };
    case 'incidents.get': return { teamId: t, incidentId: d.incidentId };
    case 'incidents.acknowledge': case 'incidents.resolve': return { teamId: t, incidentId: fresh().incidentId };
    case 'telemetry.query': return { teamId: t, domainId: d.domainId, from: 0, to: 3_600_000 };
    case 'alertRules.list': case 'channels.list': return { teamId: t };
    case 'alertRules.upsert': return { teamId: t, kind: 'nginx_down', name: unique('rule '), enabled: true, params: { afterS: 60 }, cooldownS: 300 };
    case 'alertRules.delete': return { teamId: t, ruleId: seedRule(node, t) };
    case 'channels.create': return { teamId: t, kind: 'webhook', name: unique('hook '), url: 'http://127.0.0.1:9/hook' };
    case 'channels.update': return { teamId: t, channelId: seedChannel(node, t), enabled: false };
    case 'channels.delete': case 'channels.test': case 'channels.deliveries': return { teamId: t, channelId: seedChannel(node, t) };
    case 'agents.createEnrollmentToken': return { teamId: t, name: unique('edge '), labels: ['edge'], ttlMinutes: 30 };
    case 'agents.revokeEnrollmentToken': return { teamId: t, tokenId: seedEnrollmentToken(node, t) };
    case 'agents.revoke': case 'agents.rotateKey': return { teamId: t, agentId: seedAgent(node, t) };
    case 'certificates.list': return { teamId: t };
    case 'certificates.upload': return { teamId: t, chainPem: CERT.chainPem, keyPem: CERT.keyPem };
    case 'certificates.delete': return { teamId: t, certificateId: seedCertificate(node, t) };
    default: throw new Error(`no input for ${name}`);
  }
}

/** A stored remote peer (its secret a stand-in sealed value), written straight into the store. */
function seedRemotePeer(node: TestNode): string {
  const nodeId = unique('cloud-');
  const clientSecret = { alg: 'aes-256-gcm' as const, kid: 'fixture', iv: 'AAAAAAAAAAAAAAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA', ct: 'AAAA' };
  node.store.write('_system_remote_peers', nodeId, {
    nodeId, address: 'wss://cloud.example.net:7381', type: 'cloud', enabled: true,
    oauth2: { authority: 'https://login.example.net', clientId: 'leader', clientSecret, scopes: ['netgoat:replicate'] },
  }, { actor: 'fixture' });
  return nodeId;
}

/** A self-signed certificate and key for uploads, made once. */
const CERT = selfSignedCertificate('matrix.example.com', 2);

/** A stored certificate (its key a stand-in sealed value), written straight into the store. */
function seedCertificate(node: TestNode, teamId: string): string {
  const id = unique('crt_');
  const privateKey = { alg: 'aes-256-gcm' as const, kid: 'fixture', iv: 'AAAAAAAAAAAAAAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA', ct: 'AAAA' };
  node.store.write('certificates', id, { teamId, names: ['matrix.example.com'], chainPem: CERT.chainPem, privateKey, notAfter: Date.now() + 86_400_000 }, { actor: 'fixture' });
  return id;
}

/** A stored alert rule, written straight into the store. */
function seedRule(node: TestNode, teamId: string): string {
  const id = unique('alr_');
  node.store.write('alert_rules', id, { teamId, kind: 'nginx_down', name: 'nginx down', enabled: true, params: { afterS: 30 }, cooldownS: 60 }, { actor: 'fixture' });
  return id;
}

/** A desktop channel (no network involved when tested), written straight into the store. */
function seedChannel(node: TestNode, teamId: string): string {
  const id = unique('chn_');
  node.store.write('notification_channels', id, { teamId, kind: 'desktop', name: 'desk', url: null, secret: null, enabled: true }, { actor: 'fixture' });
  return id;
}

/** An unused bootstrap token, minted straight through the store. */
function seedEnrollmentToken(node: TestNode, teamId: string): string {
  return createEnrollmentToken(node.store, { teamId, name: unique('edge '), createdBy: 'fixture' }).tokenId;
}

/** An enrolled agent with one session key, written straight into the store. */
function seedAgent(node: TestNode, teamId: string): string {
  const id = unique('agt_');
  node.store.write('agents', id, { teamId, name: 'edge', labels: ['edge'], keys: [{ kid: unique('k'), secret: 'A'.repeat(43), createdAt: 1 }], revoked: false, createdAt: 1 }, { actor: 'fixture' });
  return id;
}

/** Everything a call could change: replicated state and the node-local auth tables that matter. */
function snapshot(node: TestNode): string {
  const tokens = node.store.db.prepare('SELECT id, revoked_at FROM api_tokens ORDER BY id').all();
  const audit = node.store.db.prepare('SELECT count(*) FROM local_audit').pluck().get();
  return JSON.stringify([node.store.stateHash(), tokens, audit]);
}

describe('authorization matrix over HTTP', () => {
  let node: TestNode;
  let w: World;
  beforeAll(async () => {
    node = await startTestNode();
    w = await buildWorld(node);
  });
  afterAll(async () => node.close());

  it('has an expectation for every procedure of the contract', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...PROCEDURE_NAMES].sort());
  });

  it('allows and refuses exactly as the table says, and refused calls change nothing', async () => {
    const mismatches: string[] = [];
    for (const name of PROCEDURE_NAMES) {
      const rows = EXPECTED[name]!;
      const teams: [string, string, Row][] = [['own', w.own, rows.own]];
      if (rows.foreign) teams.push(['foreign', w.foreign, rows.foreign]);
      for (const [label, teamId, row] of teams) {
        for (const [i, who] of CALLERS.entries()) {
          let client = w.clients[who];
          // Logging out ends the session, so session callers log out a session of their own made for this.
          if (name === 'auth.logout' && client.cookie) {
            client = new Client(node.url);
            const email = who === 'owner' ? 'owner@example.com' : `${who}@example.com`;
            await client.ok('auth.login', { email, password: PASSWORD });
          }
          // Signing in replaces the cookie; do it on a copy so the caller keeps its own session.
          if (name === 'auth.login') {
            const copy = new Client(node.url, client.opts);
            copy.cookie = client.cookie;
            client = copy;
          }
          const input = inputFor(node, w, name, teamId);
          const before = snapshot(node);
          const reply = await client.call(name, input);
          if (reply.status !== row[i]) mismatches.push(`${name} ${label} ${who}: expected ${row[i]}, got ${reply.status} ${reply.body.code ?? ''} ${reply.body.message ?? ''}`);
          if (reply.status !== 200) {
            expect(reply.body.ok).toBe(false);
            if (snapshot(node) !== before) mismatches.push(`${name} ${label} ${who}: refused, yet the state changed`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('the instance-wide audit view (no teamId) is for the owner only', async () => {
    for (const [i, who] of CALLERS.entries()) {
      expect((await w.clients[who].call('audit.list', {})).status, who).toBe(AUDIT_ALL[i]);
    }
  });

  it('documents of another team are not found through one\'s own team', async () => {
    const admin = w.clients.admin;
    const theirs = w.docs[w.foreign]!;
    const before = snapshot(node);
    for (const [name, input] of [
      ['domains.get', { teamId: w.own, domainId: theirs.domainId }],
      ['dns.list', { teamId: w.own, domainId: theirs.domainId }],
      ['dns.delete', { teamId: w.own, domainId: w.docs[w.own]!.domainId, recordId: theirs.recordId }],
      ['domains.delete', { teamId: w.own, domainId: theirs.domainId }],
      ['proxy.update', { teamId: w.own, domainId: theirs.domainId, expectedVersion: null, settings: SETTINGS }],
      ['incidents.resolve', { teamId: w.own, incidentId: theirs.incidentId }],
    ] as const) {
      const r = await admin.call(name, input);
      expect(r.status, name).toBe(404);
      expect(r.body.code).toBe('NG_NOT_FOUND');
    }
    expect(snapshot(node)).toBe(before);
    const listed = await admin.ok('domains.list', { teamId: w.own });
    expect(listed.domains.map((d: { id: string }) => d.id)).not.toContain(theirs.domainId);
  });

  it('a revoked token stops working at once', async () => {
    const made = await w.clients.admin.ok('apiTokens.create', { teamId: w.own, name: 'short-lived', scope: 'read' });
    const bot = new Client(node.url, { bearer: made.token });
    expect((await bot.call('domains.list', { teamId: w.own })).status).toBe(200);
    await w.clients.admin.ok('apiTokens.revoke', { teamId: w.own, tokenId: made.info.id });
    const r = await bot.call('domains.list', { teamId: w.own });
    expect(r.status).toBe(401);
    const listed = await w.clients.admin.ok('apiTokens.list', { teamId: w.own });
    expect(JSON.stringify(listed)).not.toContain(made.token);
  });
});
