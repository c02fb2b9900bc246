// Client-side navigation without a router package: the path lives in a store; a browser uses real
// paths (the node serves the console for any deep route), a file:// window (Electron) uses the hash.
import { create } from 'zustand';

const usesHash = (): boolean => window.location.protocol === 'file:';

function readPath(): string {
  if (usesHash()) return window.location.hash.replace(/^#/, '') || '/';
  return window.location.pathname || '/';
}

interface RouterState {
  path: string;
  navigate(path: string): void;
}

export const useRouter = create<RouterState>((set) => ({
  path: readPath(),
  navigate(path) {
    if (path === readPath()) return;
    if (usesHash()) window.location.hash = path;
    else window.history.pushState(null, '', path);
    set({ path });
  },
}));

window.addEventListener('popstate', () => useRouter.setState({ path: readPath() }));
window.addEventListener('hashchange', () => useRouter.setState({ path: readPath() }));

/** The path split into its segments: "/domains/d1/dns" → ["domains", "d1", "dns"]. */
export const segmentsOf = (path: string): string[] => path.split('/').filter(Boolean).map(decodeURIComponent);

export const navigate = (path: string): void => useRouter.getState().navigate(path);
