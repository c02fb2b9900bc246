// The API over Electron IPC: one ipcMain handler per procedure (channel netgoat:rpc:<name>), each
// validated by the same dispatcher as HTTP. The session lives here in main, per window, never in
// the renderer. Loads without Electron: it takes ipcMain as a parameter, typed structurally.

import { fail, isNgError, NgError, type Result } from '../../shared/errors';
import { PROCEDURE_NAMES } from '../../shared/api/contract';
import { IPC_EVENTS_CHANNEL, IPC_SUBSCRIBE_CHANNEL, ipcChannelFor } from '../../shared/api/transport';
import type { ApiEventMessage } from '../../shared/api/events';
import type { ApiDispatcher } from '../api/dispatcher';
import { EventFeed } from '../api/event-feed';

/** The part of Electron's WebContents this adapter uses. */
export interface IpcSender {
  id: number;
  send(channel: string, message: unknown): void;
  once(event: 'destroyed', listener: () => void): unknown;
}

/** The part of Electron's IpcMainInvokeEvent this adapter uses. */
export interface IpcInvokeEvent {
  sender: IpcSender;
  senderFrame?: { url: string } | null;
}

/** The part of Electron's ipcMain this adapter uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown> | unknown): void;
  removeHandler(channel: string): void;
}

export interface IpcApiOptions {
  ipcMain: IpcMainLike;
  dispatcher: ApiDispatcher;
  /** Only frames that load the app's own UI may call (e.g. url starts with the app's file:// or dev URL). */
  isTrustedFrame: (url: string) => boolean;
}

export function registerIpcApi(opts: IpcApiOptions): () => void {
  const { ipcMain, dispatcher } = opts;
  const feed = new EventFeed(dispatcher);
  /** Session secret per window (WebContents id). */
  const sessions = new Map<number, string>();
  const subscriptions = new Map<number, () => void>();

  const trusted = (event: IpcInvokeEvent): void => {
    const url = event.senderFrame?.url ?? '';
    if (!opts.isTrustedFrame(url)) throw new NgError('NG_FORBIDDEN', `IPC from an untrusted frame (${url.slice(0, 100)}) refused`);
  };

  const forget = (sender: IpcSender): void => {
    if (sessions.has(sender.id) || subscriptions.has(sender.id)) return;
    sender.once('destroyed', () => {
      sessions.delete(sender.id);
      subscriptions.get(sender.id)?.();
      subscriptions.delete(sender.id);
    });
  };

  for (const name of PROCEDURE_NAMES) {
    ipcMain.handle(ipcChannelFor(name), async (event, input): Promise<Result<unknown>> => {
      try {
        trusted(event);
        const caller = dispatcher.authenticate({ sessionSecret: sessions.get(event.sender.id) ?? null });
        const outcome = await dispatcher.call(name, input, caller, { clientIp: 'ipc' });
        forget(event.sender);
        if (outcome.session.start) sessions.set(event.sender.id, outcome.session.start);
        if (outcome.session.end) sessions.delete(event.sender.id);
        return outcome.result;
      } catch (e) {
        return fail(isNgError(e) ? e : new NgError('NG_INTERNAL', 'unexpected error; see the node log'));
      }
    });
  }

  ipcMain.handle(IPC_SUBSCRIBE_CHANNEL, (event): Result<true> => {
    try {
      trusted(event);
      const caller = dispatcher.authenticate({ sessionSecret: sessions.get(event.sender.id) ?? null });
      if (caller.kind !== 'user') throw new NgError('NG_UNAUTHENTICATED', 'sign in before subscribing to events');
      forget(event.sender);
      subscriptions.get(event.sender.id)?.();
      const sender = event.sender;
      const stop = feed.subscribe(caller, (msg: ApiEventMessage) => sender.send(IPC_EVENTS_CHANNEL, msg), () => {
        subscriptions.delete(sender.id);
      });
      subscriptions.set(sender.id, stop);
      return { ok: true, value: true };
    } catch (e) {
      return fail(isNgError(e) ? e : new NgError('NG_INTERNAL', 'unexpected error'));
    }
  });

  return () => {
    for (const name of PROCEDURE_NAMES) ipcMain.removeHandler(ipcChannelFor(name));
    ipcMain.removeHandler(IPC_SUBSCRIBE_CHANNEL);
    for (const stop of subscriptions.values()) stop();
    feed.close();
    sessions.clear();
  };
}
