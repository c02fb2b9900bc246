// The live event stream: a WebSocket to /api/events in a browser (the bridge in Electron), reopened
// after a drop with exponential backoff 1 s → 60 s plus jitter. Every (re)connect is reported so
// screens re-fetch what they show, since changes made while disconnected were not delivered.
import { apiEventMessage, type ApiChange } from '../../shared/api/events';
import { EVENTS_PATH } from '../../shared/api/transport';

export interface EventHandlers {
  onChanges(changes: ApiChange[]): void;
  /** Called on every successful (re)connect. */
  onConnected(): void;
  onDisconnected(): void;
}

const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 60_000;

/** Delay before reconnect attempt `attempt` (0-based): doubling from 1 s, capped at 60 s, with up to 30 % jitter. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(attempt, 16));
  return Math.min(MAX_DELAY_MS, Math.round(base * (1 + 0.3 * random())));
}

function parse(data: unknown) {
  if (typeof data !== 'string') return null;
  try {
    const r = apiEventMessage.safeParse(JSON.parse(data));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** Opens the stream; returns the function that closes it for good. */
export function subscribeEvents(handlers: EventHandlers): () => void {
  const bridge = typeof window !== 'undefined' ? window.netgoat : undefined;
  if (bridge?.subscribe) {
    handlers.onConnected();
    return bridge.subscribe((msg) => {
      if (msg.type === 'changes') handlers.onChanges(msg.changes);
    });
  }

  let socket: WebSocket | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let attempt = 0;
  let stopped = false;

  const open = (): void => {
    const url = new URL(EVENTS_PATH, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    socket = ws;
    ws.onmessage = (ev) => {
      const msg = parse(ev.data);
      if (!msg) return;
      if (msg.type === 'hello') {
        attempt = 0;
        handlers.onConnected();
      } else handlers.onChanges(msg.changes);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      handlers.onDisconnected();
      if (stopped) return;
      timer = setTimeout(open, reconnectDelay(attempt++));
    };
  };
  open();

  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const ws = socket;
    socket = null;
    ws?.close();
  };
}
