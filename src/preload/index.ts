// The bridge between the sandboxed window and the node: the typed API contract over named IPC
// channels (one per procedure, src/shared/api/transport.ts) and the event stream. Nothing generic:
// a name outside the contract is refused here, before it reaches ipcRenderer.
import { NODE_INFO_CHANNEL, type NodeInfo } from '../shared/node-info';
import { PROCEDURE_NAMES, type ProcedureName } from '../shared/api/contract';
import { IPC_EVENTS_CHANNEL, IPC_SUBSCRIBE_CHANNEL, ipcChannelFor } from '../shared/api/transport';
import type { ApiEventMessage } from '../shared/api/events';

/** The slice of Electron a sandboxed preload uses; typed here because the optional `electron` package (and its types) may be absent. */
interface PreloadElectron {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  ipcRenderer: {
    invoke(channel: string, ...args: unknown[]): Promise<unknown>;
    on(channel: string, listener: (event: unknown, message: unknown) => void): void;
    removeListener(channel: string, listener: (event: unknown, message: unknown) => void): void;
  };
}

// Sandboxed preloads are CommonJS and get `electron` only through require.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { contextBridge, ipcRenderer } = require('electron') as PreloadElectron;

const known = new Set<string>(PROCEDURE_NAMES);

const netgoat = {
  nodeInfo: (): Promise<NodeInfo> => ipcRenderer.invoke(NODE_INFO_CHANNEL) as Promise<NodeInfo>,
  call: (name: ProcedureName, input: unknown): Promise<unknown> => {
    if (typeof name !== 'string' || !known.has(name)) {
      return Promise.resolve({ ok: false, code: 'NG_NOT_FOUND', message: `unknown procedure ${String(name).slice(0, 80)}` });
    }
    return ipcRenderer.invoke(ipcChannelFor(name), input);
  },
  subscribe: (listener: (msg: ApiEventMessage) => void): (() => void) => {
    const onMessage = (_event: unknown, message: unknown): void => listener(message as ApiEventMessage);
    ipcRenderer.on(IPC_EVENTS_CHANNEL, onMessage);
    void ipcRenderer.invoke(IPC_SUBSCRIBE_CHANNEL);
    return () => ipcRenderer.removeListener(IPC_EVENTS_CHANNEL, onMessage);
  },
};

contextBridge.exposeInMainWorld('netgoat', netgoat);
