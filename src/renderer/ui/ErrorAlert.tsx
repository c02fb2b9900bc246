// A coded refusal shown as a readable alert: a headline in the operator's words, the node's message, the code.
import { Alert, Code, Text } from '@mantine/core';
import { headlineOf, type ApiError } from '../api';

export function ErrorAlert({ error, title }: { error: ApiError | null | undefined; title?: string }) {
  if (!error) return null;
  return (
    <Alert color="red" variant="light" title={title ?? headlineOf(error)} role="alert" data-testid="error-alert">
      <Text size="sm">{error.message}</Text>
      <Code mt={6} fz="xs">{error.code}</Code>
    </Alert>
  );
}
