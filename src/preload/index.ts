// The bridge between the sandboxed window and the node: for now one read-only call on one named
// channel. The typed API contract replaces this object; nothing generic (no raw ipcRenderer) is exposed.
import { NODE_INFO_CHANNEL, type NodeInfo } from '../shared/node-info';

/** The slice of Electron a sandboxed preload uses; typed here because the optional `electron` package (and its types) may be absent. */
interface PreloadElectron {
  contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  ipcRenderer: { invoke(channel: string, ...args: unknown[]): Promise<unknown> };
}

// Sandboxed preloads are CommonJS and get `electron` only through require.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { contextBridge, ipcRenderer } = require('electron') as PreloadElectron;

const netgoat = {
  nodeInfo: (): Promise<NodeInfo> => ipcRenderer.invoke(NODE_INFO_CHANNEL) as Promise<NodeInfo>,
};

contextBridge.exposeInMainWorld('netgoat', netgoat);
