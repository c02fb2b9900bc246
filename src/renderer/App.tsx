// Chooses what the console shows: first-run setup, sign-in, or the signed-in shell.
import { Button, Center, Stack } from '@mantine/core';
import { useEffect } from 'react';
import { useSession } from './stores/session';
import { Setup } from './screens/Setup';
import { Login } from './screens/Login';
import { Shell } from './screens/Shell';
import { AuthLayout } from './screens/AuthLayout';
import { ErrorAlert } from './ui/ErrorAlert';
import { Loading } from './ui/Loading';

export function App() {
  const phase = useSession((s) => s.phase);
  const nodeError = useSession((s) => s.nodeError);
  const start = useSession((s) => s.start);
  useEffect(() => {
    void start();
  }, [start]);

  switch (phase) {
    case 'loading':
      return (
        <AuthLayout>
          <Center><Loading what="Contacting the node…" /></Center>
        </AuthLayout>
      );
    case 'unreachable':
      return (
        <AuthLayout>
          <Stack>
            <ErrorAlert error={nodeError} title="The node does not answer" />
            <Button variant="light" onClick={() => void start()}>Try again</Button>
          </Stack>
        </AuthLayout>
      );
    case 'setup':
      return <Setup />;
    case 'signed-out':
      return <Login />;
    case 'signed-in':
      return <Shell />;
  }
}
