// First run: no users exist yet, so whoever opens the console creates the instance owner and the first team.
import { Button, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { api, messageForField, unplacedError } from '../api';
import { useAction } from '../ui/use-action';
import { ErrorAlert } from '../ui/ErrorAlert';
import { useSession } from '../stores/session';
import { AuthLayout } from './AuthLayout';

export function Setup() {
  const [form, setForm] = useState({ email: '', displayName: '', password: '', teamName: '' });
  const { busy, error, run } = useAction();
  const afterSignIn = useSession((s) => s.afterSignIn);
  const field = (k: keyof typeof form) => ({
    value: form[k],
    onChange: (e: { currentTarget: { value: string } }) => setForm({ ...form, [k]: e.currentTarget.value }),
    error: messageForField(error, k),
  });

  async function submit(e: FormEvent) {
    e.preventDefault();
    await run(async () => {
      await api.call('auth.setup', form);
      await afterSignIn();
    });
  }

  return (
    <AuthLayout>
      <form onSubmit={submit} noValidate>
        <Stack>
          <Title order={3}>Set up this node</Title>
          <Text size="sm" c="dimmed">
            No one has signed in here yet. Create the instance owner (who manages teams, peers and users) and your first team.
          </Text>
          <TextInput label="Your name" autoComplete="name" {...field('displayName')} />
          <TextInput label="E-mail" type="email" autoComplete="username" {...field('email')} />
          <PasswordInput label="Password" description="At least 10 characters" autoComplete="new-password" {...field('password')} />
          <TextInput label="First team" placeholder="e.g. Platform" {...field('teamName')} />
          <ErrorAlert error={unplacedError(error, [['email'], ['displayName'], ['password'], ['teamName']])} />
          <Button type="submit" loading={busy}>Create owner and sign in</Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
