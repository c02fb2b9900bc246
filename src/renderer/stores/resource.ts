// One pattern for every screen's data: a store that fetches with the last parameters it was given,
// remembers which collections it shows, and re-fetches when the event stream reports a change there.
import { create, type StoreApi, type UseBoundStore } from 'zustand';
import { toApiError, type ApiError } from '../api';

export interface ResourceState<P, V> {
  params: P | null;
  data: V | null;
  loading: boolean;
  error: ApiError | null;
  /** Fetch for these parameters (clears data when they differ from the last ones). */
  load(params: P): Promise<void>;
  /** Fetch again with the last parameters, keeping what is shown until the answer comes. */
  reload(): Promise<void>;
  clear(): void;
}

export interface LiveResource {
  collections: readonly string[];
  reloadIfLoaded(): void;
}

/** Every resource store, so the event stream can find those that show a changed collection. */
export const liveResources: LiveResource[] = [];

const sameParams = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function createResource<P, V>(fetch: (params: P) => Promise<V>, collections: readonly string[]): UseBoundStore<StoreApi<ResourceState<P, V>>> {
  let request = 0;
  const store = create<ResourceState<P, V>>((set, get) => {
    const run = async (params: P): Promise<void> => {
      const mine = ++request;
      set({ loading: true });
      try {
        const data = await fetch(params);
        if (mine === request) set({ data, loading: false, error: null });
      } catch (e) {
        if (mine === request) set({ loading: false, error: toApiError(e) });
      }
    };
    return {
      params: null,
      data: null,
      loading: false,
      error: null,
      load(params) {
        if (!sameParams(params, get().params)) set({ params, data: null, error: null });
        return run(params);
      },
      reload() {
        const params = get().params;
        return params === null ? Promise.resolve() : run(params);
      },
      clear() {
        request++;
        set({ params: null, data: null, loading: false, error: null });
      },
    };
  });
  liveResources.push({
    collections,
    reloadIfLoaded: () => {
      if (store.getState().params !== null) void store.getState().reload();
    },
  });
  return store;
}
