// Who is signed in, to which node, and which team the console is looking at. Drives the first-run,
// sign-in and app screens.
import { create } from 'zustand';
import type { Role } from '../../shared/api/roles';
import { roleAtLeast } from '../../shared/api/roles';
import type { NodeInfo } from '../../shared/node-info';
import { api, fetchNodeInfo, toApiError, type ApiError, type OutputOf } from '../api';

type Me = OutputOf<'auth.me'>;
type Team = OutputOf<'teams.list'>['teams'][number];

export type SessionPhase = 'loading' | 'unreachable' | 'setup' | 'signed-out' | 'signed-in';

interface SessionState {
  phase: SessionPhase;
  node: NodeInfo | null;
  nodeError: ApiError | null;
  me: Me | null;
  teams: Team[];
  teamId: string | null;
  start(): Promise<void>;
  afterSignIn(): Promise<void>;
  refreshTeams(): Promise<void>;
  signOut(): Promise<void>;
  switchTeam(teamId: string): void;
  /** The session ended on the node (expired or revoked). */
  lost(): void;
}

const TEAM_KEY = 'netgoat.team';

function pickTeam(teams: Team[], current: string | null): string | null {
  const saved = current ?? window.localStorage.getItem(TEAM_KEY);
  return teams.find((t) => t.id === saved)?.id ?? teams.find((t) => t.role !== null)?.id ?? teams[0]?.id ?? null;
}

export const useSession = create<SessionState>((set, get) => ({
  phase: 'loading',
  node: null,
  nodeError: null,
  me: null,
  teams: [],
  teamId: null,

  async start() {
    fetchNodeInfo().then((node) => set({ node, nodeError: null }), (e: unknown) => set({ nodeError: toApiError(e) }));
    try {
      const status = await api.call('auth.status', {});
      if (status.setupRequired) return set({ phase: 'setup' });
      await get().afterSignIn();
    } catch (e) {
      const err = toApiError(e);
      set({ phase: err.code === 'NG_UNAUTHENTICATED' ? 'signed-out' : 'unreachable', nodeError: err.code === 'NG_UNAUTHENTICATED' ? null : err });
    }
  },

  async afterSignIn() {
    const [me, { teams }] = await Promise.all([api.call('auth.me', {}), api.call('teams.list', {})]);
    set({ me, teams, teamId: pickTeam(teams, get().teamId), phase: 'signed-in' });
  },

  async refreshTeams() {
    const [me, { teams }] = await Promise.all([api.call('auth.me', {}), api.call('teams.list', {})]);
    set({ me, teams, teamId: pickTeam(teams, get().teamId) });
  },

  async signOut() {
    try {
      await api.call('auth.logout', {});
    } finally {
      set({ phase: 'signed-out', me: null, teams: [], teamId: null });
    }
  },

  switchTeam(teamId) {
    window.localStorage.setItem(TEAM_KEY, teamId);
    set({ teamId });
  },

  lost() {
    if (get().phase === 'signed-in') set({ phase: 'signed-out', me: null, teams: [], teamId: null });
  },
}));

api.onSignedOut(() => useSession.getState().lost());

/** The caller's role in the current team (an instance owner counts as admin everywhere). */
export function useRole(): Role | null {
  return useSession((s) => {
    if (!s.me || !s.teamId) return null;
    if (s.me.user.owner) return 'admin';
    return s.me.memberships.find((m) => m.teamId === s.teamId)?.role ?? null;
  });
}

/** True when the caller may do what needs at least `need` in the current team. */
export function useCan(need: Role): boolean {
  const role = useRole();
  return role !== null && roleAtLeast(role, need);
}

export const useIsOwner = (): boolean => useSession((s) => s.me?.user.owner === true);
