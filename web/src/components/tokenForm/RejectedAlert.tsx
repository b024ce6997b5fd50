import { Alert, List } from '@mantine/core';
import { isApiError } from '../../api/client.js';

/**
 * The server's verdict on a rejected save. Field errors appear next to their fields; any the form has no
 * field for are listed here, so nothing the server said is lost.
 */
export function RejectedAlert({ error, shownFields }: { error: unknown; shownFields: readonly string[] }) {
  if (!isApiError(error) || error.status !== 400) return null;
  const elsewhere = error.fieldErrors.filter((f) => !shownFields.includes(f.field));
  return (
    <Alert color="red" variant="light" role="alert" title="Not saved">
      {error.message}
      {elsewhere.length > 0 && (
        <List size="sm" mt={4}>
          {elsewhere.map((f) => (
            <List.Item key={f.field + f.message}>
              {f.field}: {f.message}
            </List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
