import { notifications } from '@mantine/notifications';
import { type ApiError, isApiError } from '../api/client.js';

export function notifySuccess(message: string, title?: string): void {
  notifications.show({ color: 'teal', title, message, autoClose: 4000 });
}

export function notifyError(error: unknown, title = 'Something went wrong'): void {
  const message = isApiError(error) ? describeApiError(error) : error instanceof Error ? error.message : String(error);
  notifications.show({ color: 'red', title, message, autoClose: 8000 });
}

/** The server's message, followed by the fields it named when no form is there to show them. */
function describeApiError(error: ApiError): string {
  if (error.fieldErrors.length === 0) return error.message;
  return `${error.message} ${error.fieldErrors.map((f) => `${f.field}: ${f.message}`).join('; ')}`;
}
