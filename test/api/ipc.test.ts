// The IPC adapter with a stand-in for ipcMain (Electron itself is not needed to route calls).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/db/store';
import { authMigrations } from '../../src/main/auth/schema';
import { ApiDispatcher } from '../../src/main/api/dispatcher';
import { registerIpcApi, type IpcInvokeEvent, type IpcMainLike } from '../../src/main/transports/ipc-api';
import { PROCEDURE_NAMES } from '../../src/shared/api/contract';
import type { Json } from './harness';

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcInvokeEvent, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(channel: string, event: IpcInvokeEvent, input: unknown): Promise<Json> {
    return Promise.resolve(this.handlers.get(channel)!(event, input));
  }
}

describe('IPC transport', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ng-ipc-'));
  const store = Store.open({ path: join(dir, 'node.db'), migrations: authMigrations });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers one channel per procedure, keeps the session in main per window, validates input, refuses untrusted frames', async () => {
    const ipc = new FakeIpcMain();
    const dispose = registerIpcApi({ ipcMain: ipc, dispatcher: new ApiDispatcher({ store }), isTrustedFrame: (url) => url.startsWith('app://netgoat/') });
    expect(ipc.handlers.size).toBe(PROCEDURE_NAMES.length + 1);
    const sent: unknown[] = [];
    const window = (id: number, url = 'app://netgoat/index.html'): IpcInvokeEvent => ({ sender: { id, send: (_c, m) => sent.push(m), once: () => undefined }, senderFrame: { url } });

    const setup = await ipc.invoke('netgoat:rpc:auth.setup', window(1), { email: 'o@example.com', displayName: 'O', password: 'correct horse battery', teamName: 'T' });
    expect(setup.ok).toBe(true);
    expect(JSON.stringify(setup)).not.toMatch(/ng_session|scrypt/);
    const listed = await ipc.invoke('netgoat:rpc:domains.list', window(1), { teamId: setup.value.team.id });
    expect(listed).toEqual({ ok: true, value: { domains: [] } });
    expect((await ipc.invoke('netgoat:rpc:auth.me', window(2), {})).code).toBe('NG_UNAUTHENTICATED');
    const bad = await ipc.invoke('netgoat:rpc:domains.create', window(1), { teamId: setup.value.team.id, hostname: '-bad-.example.com' });
    expect(bad).toMatchObject({ ok: false, code: 'NG_VALIDATION', path: ['hostname'] });
    expect((await ipc.invoke('netgoat:rpc:auth.me', window(1, 'https://evil.example/'), {})).code).toBe('NG_FORBIDDEN');

    expect((await ipc.invoke('netgoat:events:subscribe', window(1), undefined)).ok).toBe(true);
    await ipc.invoke('netgoat:rpc:domains.create', window(1), { teamId: setup.value.team.id, hostname: 'ipc.example.com' });
    expect(JSON.stringify(sent)).toContain('ipc.example.com');
    dispose();
    expect(ipc.handlers.size).toBe(0);
  });
});
