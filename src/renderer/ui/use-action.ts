// One busy flag and one coded error per operator action (a form submit, a button), so every
// screen shows the same spinner and the same error without repeating the try/finally dance.
import { useCallback, useState } from 'react';
import { toApiError, type ApiError } from '../api';

export interface Action {
  busy: boolean;
  error: ApiError | null;
  /** Runs `work` with `busy` set and the previous error cleared; a failure becomes `error`. Resolves whether it succeeded. */
  run: (work: () => Promise<unknown>) => Promise<boolean>;
  setError: (error: ApiError | null) => void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(async (work: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await work();
      return true;
    } catch (e) {
      setError(toApiError(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, setError };
}
