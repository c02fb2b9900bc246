// The shape of `window.netgoat`, the Electron preload bridge: the same procedures and event stream
// as HTTP, over named IPC channels (src/shared/api/transport.ts). Absent in a browser.
import type { ApiEventMessage } from '../../shared/api/events';
import type { ProcedureName } from '../../shared/api/contract';
import type { NodeInfo } from '../../shared/node-info';

export interface NetgoatBridge {
  nodeInfo(): Promise<NodeInfo>;
  /** Runs a procedure; resolves with the node's Result (`{ok:true,value}` or `{ok:false,code,message,path}`). */
  call?(name: ProcedureName, input: unknown): Promise<unknown>;
  /** Starts the event stream; returns the function that stops it. */
  subscribe?(listener: (msg: ApiEventMessage) => void): () => void;
}

declare global {
  interface Window {
    netgoat?: NetgoatBridge;
  }
}

/** The bridge when the window runs inside Electron with the typed API exposed. */
export function electronBridge(): (NetgoatBridge & Required<Pick<NetgoatBridge, 'call'>>) | null {
  const b = typeof window === 'undefined' ? undefined : window.netgoat;
  return b && typeof b.call === 'function' ? (b as NetgoatBridge & Required<Pick<NetgoatBridge, 'call'>>) : null;
}
