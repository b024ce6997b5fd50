/** The token list's marker for a token whose secret a leak report found in public (its page lists every report). */
import { Badge } from '@mantine/core';
import type { ExposureDto } from '../../../src/http/management/schemas.js';
import { formatDateTime } from '../lib/format.js';

export function LeakedBadge({ exposure }: { exposure: ExposureDto | undefined }) {
  if (!exposure) return null;
  return (
    <Badge color="red" variant="filled" title={`Found in public on ${formatDateTime(exposure.reportedAt)}`}>
      Leaked
    </Badge>
  );
}
