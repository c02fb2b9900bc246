// What a node says about itself: the body of GET /healthz and of the desktop's node-info IPC call,
// so the web console and the Electron window read the same shape.

export interface NodeInfo {
  status: 'ok';
  nodeId: string;
  version: string;
  uptimeS: number;
}

/** The one IPC channel the placeholder preload exposes; the typed API contract replaces it. */
export const NODE_INFO_CHANNEL = 'netgoat:node-info';
