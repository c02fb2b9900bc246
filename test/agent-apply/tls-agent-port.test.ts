// A real `netgoat serve --agent-port` and a real agent process with real nginx: a certificate
// uploaded through the API (its key sealed, never shown) reaches the agent over the wss:// agent
// port, which the agent pins; nginx serves the domain over TLS with it. An agent told another
// certificate's fingerprint refuses the node with a coded error.

import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../support/certificates';
import { findNginx, freePort, httpGet, stopAgentNginx } from '../support/nginx';
import { spawnProcess, startServe, type ProcessHandle } from '../support/process';
import { Client, type Json } from '../api/harness';

const nginx = findNginx();
const CLI = ['--import', 'tsx', 'src/agent/cli.ts'];
const HOST = 'secure.example.com';

/** A self-signed certificate and its key for `host`, with the certificate's SHA-256 fingerprint. */
function selfSigned(host: string): { chainPem: string; keyPem: string; fingerprint: string } {
  const made = selfSignedCertificate(host);
  return { ...made, fingerprint: new X509Certificate(made.chainPem).fingerprint256.replace(/:/g, '').toLowerCase() };
}

/** GET https://HOST/path through nginx on 127.0.0.1:port, trusting only `ca`. */
function httpsGet(port: number, path: string, ca: string): Promise<{ status: number; body: string; peer: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername: HOST, headers: { host: HOST }, ca, checkServerIdentity: () => undefined }, (res) => {
      let body = '';
      const peer = (res.socket as TLSSocket).getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase();
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body, peer }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!nginx)('certificates over the wss:// agent port', () => {
  let work: string;
  let serve: ProcessHandle;
  let api: Client;
  let teamId: string;
  let agentUrl: string;
  let upstream: Server;
  let agent: ProcessHandle | null = null;
  const ports = { http: 0, https: 0, status: 0, metrics: 0, agentPort: 0 };
  let cert: { chainPem: string; keyPem: string; fingerprint: string };
  let dataDir: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'ng-tls-'));
    dataDir = join(work, 'agent');
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    upstream = createServer((req, res) => res.end(`upstream saw ${req.url}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const upstreamPort = (upstream.address() as { port: number }).port;
    cert = selfSigned(HOST);

    const started = await startServe({ dataDir: join(work, 'node'), args: ['--agent-port', String(ports.agentPort)] });
    serve = started.proc;
    [, agentUrl] = (await serve.waitFor(/^Netgoat agent gateway: (\S+)$/m)) as [string, string];
    api = new Client(started.url.replace(/\/$/, ''));
    const setup = await api.ok('auth.setup', { email: 'owner@tls.example.com', displayName: 'Owner', password: 'correct horse battery', teamName: 'TLS team' });
    teamId = setup.team.id as string;
    // Private keys are sealed under the cluster key: this node founds a cluster of one.
    await api.ok('cluster.create', {});
    const { domain } = await api.ok('domains.create', { teamId, hostname: HOST, targetLabels: ['edge'] });
    await api.ok('proxy.update', {
      teamId, domainId: domain.id, expectedVersion: null,
      settings: {
        upstreamPools: [{ name: 'web', method: 'round_robin', servers: [{ host: '127.0.0.1', port: upstreamPort, weight: 1, maxFails: 1, failTimeoutS: 10, backup: false }] }],
        routes: [{ path: '/', match: 'prefix', pool: 'web' }], wafRules: [], cache: { mode: 'off', ttlSeconds: 60 },
        rateLimit: { enabled: false, requestsPerSecond: 10, burst: 0 }, headers: [],
      },
    });
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    stopAgentNginx(dataDir);
    await serve?.stop();
    await new Promise<void>((r) => upstream.close(() => r()));
    rmSync(work, { recursive: true, force: true });
  });

  it('the node announces a wss:// agent URL pinned to its own certificate', () => {
    expect(agentUrl).toMatch(new RegExp(`^wss://127\\.0\\.0\\.1:${ports.agentPort}/agent/v1#sha256=[0-9a-f]{64}$`));
  });

  it('stores an uploaded certificate with its key sealed, attaches it, and never shows the key', async () => {
    const { certificate } = await api.ok('certificates.upload', { teamId, chainPem: cert.chainPem, keyPem: cert.keyPem });
    expect(certificate).toMatchObject({ names: [HOST], fingerprint: cert.fingerprint });
    expect(certificate.domainIds).toHaveLength(1);
    const listed = await api.ok('certificates.list', { teamId });
    const domains = await api.ok('domains.list', { teamId });
    expect(domains.domains[0].tls).toMatchObject({ status: 'Active', certificateId: certificate.id });
    const audit = await api.ok('audit.list', { teamId });
    const keyBody = cert.keyPem.split('\n')[1]!;
    for (const shown of [certificate, listed, audit] as Json[]) {
      expect(JSON.stringify(shown)).not.toContain('PRIVATE KEY');
      expect(JSON.stringify(shown)).not.toContain(keyBody);
    }
    expect(serve.stdout() + serve.stderr()).not.toContain(keyBody);
  });

  it('refuses a key that does not belong to the certificate, next to the key field', async () => {
    const other = selfSigned('other.example.com');
    const r = await api.call('certificates.upload', { teamId, chainPem: cert.chainPem, keyPem: other.keyPem });
    expect(r.body).toMatchObject({ ok: false, code: 'NG_VALIDATION', path: ['keyPem'] });
  });

  it('an agent enrolled over the pinned wss:// URL applies the certificate and nginx serves the page over TLS', async () => {
    const { token } = await api.ok('agents.createEnrollmentToken', { teamId, name: 'edge tls', labels: ['edge'] });
    const enroll = spawnProcess(process.execPath, [...CLI, 'enroll', '--url', agentUrl, '--token', token, '--data-dir', dataDir]);
    expect((await enroll.exited).code).toBe(0);
    const creds = JSON.parse(readFileSync(join(dataDir, 'credentials.json'), 'utf8')) as { nodeUrls: string[]; nodeFingerprints: string[] };
    expect(creds.nodeUrls).toEqual([agentUrl.split('#')[0]]);
    expect(creds.nodeFingerprints).toContain(agentUrl.split('#sha256=')[1]);

    agent = spawnProcess(process.execPath, [
      ...CLI, 'run', '--data-dir', dataDir, '--listen', '127.0.0.1', '--http-port', String(ports.http), '--https-port', String(ports.https),
      '--status-port', String(ports.status), '--metrics-port', String(ports.metrics), '--heartbeat-ms', '300', '--min-backoff-ms', '200',
    ]);
    await expect.poll(async () => ((await api.ok('agents.list', { teamId })).agents as Json[])[0]?.sync, { timeout: 30_000, interval: 200 }).toBe('In sync');
    const r = await httpsGet(ports.https, '/over-tls', cert.chainPem);
    expect(r).toEqual({ status: 200, body: 'upstream saw /over-tls', peer: cert.fingerprint });

    const keyFiles = readdirSync(join(dataDir, 'certs')).filter((f) => f.endsWith('.key'));
    expect(keyFiles).toHaveLength(1);
    expect(statSync(join(dataDir, 'certs', keyFiles[0]!)).mode & 0o777).toBe(0o600);
    const status = spawnProcess(process.execPath, [...CLI, 'status', '--data-dir', dataDir]);
    expect((await status.exited).code).toBe(0);
    expect(JSON.parse(status.stdout())).toMatchObject({ link: 'connected', node: agentUrl.split('#')[0] });
  }, 60_000);

  it('deleting the certificate takes the domain back to HTTP and removes the key from the edge', async () => {
    const [c] = (await api.ok('certificates.list', { teamId })).certificates as Json[];
    const before = ((await api.ok('agents.list', { teamId })).agents as Json[])[0].appliedVersion as number;
    await api.ok('certificates.delete', { teamId, certificateId: c.id });
    expect((await api.ok('domains.list', { teamId })).domains[0].tls).toEqual({ status: 'Pending', certificateId: null, notAfter: null });
    await expect.poll(async () => {
      const a = ((await api.ok('agents.list', { teamId })).agents as Json[])[0];
      return a.appliedVersion > before && a.sync === 'In sync';
    }, { timeout: 30_000, interval: 200 }).toBe(true);
    expect(readdirSync(join(dataDir, 'certs'))).toEqual([]);
    await expect(httpsGet(ports.https, '/', cert.chainPem)).rejects.toThrow();
    expect((await httpGet(ports.http, HOST, '/plain')).body).toBe('upstream saw /plain');
  }, 60_000);

  it('an agent given another certificate\'s fingerprint refuses the node with NG_BAD_SIGNATURE before sending its token', async () => {
    const { token } = await api.ok('agents.createEnrollmentToken', { teamId, name: 'edge wrong pin', labels: ['edge'] });
    const wrongPin = `${agentUrl.split('#')[0]}#sha256=${cert.fingerprint}`;
    const otherDir = join(work, 'agent-wrong-pin');
    const enroll = spawnProcess(process.execPath, [...CLI, 'enroll', '--url', wrongPin, '--token', token, '--data-dir', otherDir]);
    expect((await enroll.exited).code).toBe(1);
    expect(enroll.stderr()).toContain('NG_BAD_SIGNATURE');
    // The token was never sent, so it still enrolls an agent with the right pin.
    const right = spawnProcess(process.execPath, [...CLI, 'enroll', '--url', agentUrl, '--token', token, '--data-dir', otherDir]);
    expect((await right.exited).code).toBe(0);
  });

  it('a running agent whose pinned certificate no longer matches refuses the link with NG_BAD_SIGNATURE', async () => {
    await agent!.stop();
    const path = join(dataDir, 'credentials.json');
    const creds = JSON.parse(readFileSync(path, 'utf8')) as { nodeFingerprints: string[] };
    writeFileSync(path, JSON.stringify({ ...creds, nodeFingerprints: [cert.fingerprint] }), { mode: 0o600 });
    agent = spawnProcess(process.execPath, [
      ...CLI, 'run', '--data-dir', dataDir, '--listen', '127.0.0.1', '--http-port', String(ports.http), '--https-port', String(ports.https),
      '--status-port', String(ports.status), '--metrics-port', String(ports.metrics), '--heartbeat-ms', '300', '--min-backoff-ms', '200',
    ]);
    await agent.waitFor(/"code":"NG_BAD_SIGNATURE"/, 30_000);
    // Island mode: the cached configuration keeps serving.
    expect((await httpGet(ports.http, HOST, '/island')).body).toBe('upstream saw /island');
  }, 60_000);
});
