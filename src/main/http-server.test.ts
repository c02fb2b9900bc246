// The node's HTTP front door over a real loopback socket: routes, size caps, static files, traversal.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NgError } from '../shared/errors';
import { NodeHttpServer, readJsonBody, sendJson } from './http-server';
import { createLogger } from './log';

const silent = createLogger({ level: 'silent' });
let server: NodeHttpServer;
let url: string;
let dir: string;

/** A raw GET, so paths reach the server exactly as written (fetch would normalise `..`). */
function rawGet(path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const req = request({ host: hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => done({ status: res.statusCode!, type: res.headers['content-type'], body }));
    });
    req.on('error', fail);
    req.end();
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'netgoat-http-'));
  const webRoot = join(dir, 'web');
  mkdirSync(join(webRoot, 'assets'), { recursive: true });
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>shell</title>');
  writeFileSync(join(webRoot, 'assets', 'app-1234.js'), 'console.log(1)');
  writeFileSync(join(webRoot, 'assets', 'app-1234.css'), 'body{}');
  writeFileSync(join(dir, 'secret.txt'), 'outside the web root');
  server = new NodeHttpServer({ logger: silent, webRoot });
  server.route('POST', '/echo', async (req, res) => sendJson(res, 200, { got: await readJsonBody(req, 1024) }));
  server.route('GET', '/api/*', (_req, res, u) => sendJson(res, 200, { path: u.pathname }));
  server.route('GET', '/boom', () => {
    throw new Error('kaboom');
  });
  url = await server.listen('127.0.0.1', 0);
});

afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('routes', () => {
  it('dispatches exact and prefix routes and refuses other methods with 405', async () => {
    expect(await (await fetch(new URL('/api/domains/7', url))).json()).toEqual({ path: '/api/domains/7' });
    const res = await fetch(new URL('/echo', url));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('refuses registering the same route twice', () => {
    expect(() => server.route('post', '/echo', () => undefined)).toThrow(NgError);
  });

  it('answers an unexpected handler failure with NG_INTERNAL and no details', async () => {
    const res = await fetch(new URL('/boom', url));
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ code: 'NG_INTERNAL', message: 'internal error; see the node log' });
  });

  it('answers an upgrade nobody registered with 404 and hands registered ones to their handler', async () => {
    server.onUpgrade('/ws', (_req, socket) => socket.end('HTTP/1.1 418 I am a teapot\r\nconnection: close\r\n\r\n'));
    const statusLine = (path: string) =>
      new Promise<string>((done, fail) => {
        const { port } = new URL(url);
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n`));
        let text = '';
        socket.setEncoding('utf8').on('data', (d: string) => (text += d));
        socket.on('end', () => done(text.split('\r\n')[0]!));
        socket.on('error', fail);
      });
    expect(await statusLine('/elsewhere')).toBe('HTTP/1.1 404 Not Found');
    expect(await statusLine('/ws/peer')).toBe('HTTP/1.1 418 I am a teapot');
  });
});

describe('readJsonBody', () => {
  it('parses a body within the cap', async () => {
    const res = await fetch(new URL('/echo', url), { method: 'POST', body: JSON.stringify({ a: 1 }) });
    expect(await res.json()).toEqual({ got: { a: 1 } });
  });

  it('refuses a declared body over the cap with 413 NG_TOO_LARGE', async () => {
    const res = await fetch(new URL('/echo', url), { method: 'POST', body: JSON.stringify({ pad: 'x'.repeat(5000) }) });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe('NG_TOO_LARGE');
  });

  it('refuses a chunked body once it passes the cap', async () => {
    const chunks = [new TextEncoder().encode('{"pad":"'), new TextEncoder().encode('y'.repeat(2000)), new TextEncoder().encode('"}')];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const res = await fetch(new URL('/echo', url), { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { code: string }).code).toBe('NG_TOO_LARGE');
  });

  it('refuses malformed JSON with NG_VALIDATION', async () => {
    const res = await fetch(new URL('/echo', url), { method: 'POST', body: '{"a":' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('NG_VALIDATION');
  });
});

describe('static web console', () => {
  it('serves files with their content types', async () => {
    expect(await rawGet('/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(await rawGet('/assets/app-1234.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8', body: 'console.log(1)' });
    expect(await rawGet('/assets/app-1234.css')).toMatchObject({ status: 200, type: 'text/css; charset=utf-8' });
  });

  it('gives client-side routes the shell and missing assets 404', async () => {
    expect(await rawGet('/domains/42')).toMatchObject({ status: 200, body: '<!doctype html><title>shell</title>' });
    expect((await rawGet('/assets/missing.js')).status).toBe(404);
  });

  it.each(['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt'])('never serves a file outside the web root: %s', async (path) => {
    const res = await rawGet(path);
    expect(res.body).not.toContain('outside the web root');
    expect(res.status).toBe(404);
  });

  it('refuses NUL bytes and broken percent-encoding with 400', async () => {
    expect((await rawGet('/index.html%00.js')).status).toBe(400);
    expect((await rawGet('/%E0%A4%A')).status).toBe(400);
  });

  it('explains how to build the console when there is none', async () => {
    const bare = new NodeHttpServer({ logger: silent });
    const bareUrl = await bare.listen('127.0.0.1', 0);
    try {
      const res = await fetch(bareUrl);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build:web');
    } finally {
      await bare.close();
    }
  });
});
