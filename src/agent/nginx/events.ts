// A tiny typed event hub: the applier and the watchdog publish, the control link subscribes.

import type { NginxEvent, NginxEventListener } from './types';

export class NginxEvents {
  private readonly listeners = new Set<NginxEventListener>();

  /** Subscribes; the returned function unsubscribes. */
  on(listener: NginxEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: NginxEvent): void {
    // A listener that throws must not break an apply half-way through.
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        /* the listener's own problem */
      }
    }
  }
}
