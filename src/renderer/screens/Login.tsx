// Sign in with e-mail and password.
import { Button, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { api, messageForField, unplacedError } from '../api';
import { useAction } from '../ui/use-action';
import { ErrorAlert } from '../ui/ErrorAlert';
import { useSession } from '../stores/session';
import { AuthLayout } from './AuthLayout';

export function Login() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  const afterSignIn = useSession((s) => s.afterSignIn);

  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      await api.call('auth.login', { email, password });
      await afterSignIn();
    });
  }

  return (
    <AuthLayout>
      <form onSubmit={submit} noValidate>
        <Stack>
          <Title order={3}>Sign in</Title>
          <TextInput label="E-mail" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={messageForField(error, 'email')} />
          <PasswordInput label="Password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={messageForField(error, 'password')} />
          <ErrorAlert error={unplacedError(error, [['email'], ['password']])} />
          <Button type="submit" loading={busy}>Sign in</Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
