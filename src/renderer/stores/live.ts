// Connects the event stream to the stores: a change in a collection re-fetches the stores that
// show it (batched over 50 ms), and every reconnect re-fetches everything on screen.
import { create } from 'zustand';
import { subscribeEvents } from '../api';
import { liveResources } from './resource';
import { useSession } from './session';

export type LinkState = 'connecting' | 'live' | 'reconnecting';

export const useLink = create<{ state: LinkState }>(() => ({ state: 'connecting' }));

export function startLiveUpdates(): () => void {
  let pending = new Set<string>();
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const changed = pending;
    pending = new Set();
    for (const r of liveResources) if (r.collections.some((c) => changed.has(c))) r.reloadIfLoaded();
    // Membership or team changes can change which teams (and roles) the caller has.
    if (changed.has('memberships') || changed.has('teams')) void useSession.getState().refreshTeams().catch(() => undefined);
  };
  return subscribeEvents({
    onChanges(changes) {
      for (const c of changes) pending.add(c.collection);
      if (!scheduled) {
        scheduled = true;
        setTimeout(flush, 50);
      }
    },
    onConnected() {
      const wasLive = useLink.getState().state;
      useLink.setState({ state: 'live' });
      if (wasLive === 'reconnecting') for (const r of liveResources) r.reloadIfLoaded();
    },
    onDisconnected() {
      useLink.setState({ state: 'reconnecting' });
    },
  });
}
