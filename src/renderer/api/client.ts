// `api.call(name, input)`: typed from the contract, carried by the Electron bridge when the window
// has one, else by HTTP (`POST /api/rpc/<name>` with the session cookie and the CSRF header).
import type { ApiClient, InputOf, OutputOf, ProcedureName } from '../../shared/api/contract';
import { CSRF_HEADER, RPC_PATH_PREFIX } from '../../shared/api/transport';
import type { NodeInfo } from '../../shared/node-info';
import { electronBridge } from './bridge';
import { ApiError, apiErrorFrom, toApiError } from './errors';

function unwrap(name: string, body: unknown): unknown {
  const b = body as { ok?: unknown; value?: unknown } | null;
  if (b && b.ok === true) return b.value;
  throw apiErrorFrom(body, `${name} was refused`);
}

async function overHttp(name: ProcedureName, input: unknown): Promise<unknown> {
  const res = await fetch(`${RPC_PATH_PREFIX}${name}`, {
    method: 'POST',
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { 'content-type': 'application/json', [CSRF_HEADER]: '1' },
    body: JSON.stringify(input ?? {}),
  });
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(res.status >= 500 ? 'NG_UNAVAILABLE' : 'NG_BAD_MESSAGE', `the node answered ${res.status} ${res.statusText} without a readable body`);
  }
  return unwrap(name, body);
}

/** Listeners told when any call comes back NG_UNAUTHENTICATED (the session expired or was ended). */
const signedOutListeners = new Set<() => void>();

export const api: ApiClient & { onSignedOut(listener: () => void): () => void } = {
  async call<N extends ProcedureName>(name: N, input: InputOf<N>): Promise<OutputOf<N>> {
    try {
      const bridge = electronBridge();
      const value = bridge ? unwrap(name, await bridge.call(name, input)) : await overHttp(name, input);
      return value as OutputOf<N>;
    } catch (e) {
      const err = toApiError(e);
      if (err.code === 'NG_UNAUTHENTICATED' && name !== 'auth.login' && name !== 'auth.status') for (const l of signedOutListeners) l();
      throw err;
    }
  },
  onSignedOut(listener) {
    signedOutListeners.add(listener);
    return () => signedOutListeners.delete(listener);
  },
};

/** What the node says about itself (GET /healthz, or the bridge in Electron). */
export async function fetchNodeInfo(): Promise<NodeInfo> {
  if (typeof window !== 'undefined' && window.netgoat) return window.netgoat.nodeInfo();
  const res = await fetch('/healthz', { cache: 'no-store' });
  if (!res.ok) throw new ApiError('NG_UNAVAILABLE', `the node answered ${res.status} ${res.statusText}`);
  return (await res.json()) as NodeInfo;
}
