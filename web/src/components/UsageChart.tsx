/**
 * Requests per day for the last 30 days as a plain SVG bar chart: allowed requests in the brand colour with
 * refused ones stacked on top in red. A hidden table carries the same numbers for screen readers.
 */
import { Group, Stack, Text, VisuallyHidden } from '@mantine/core';
import type { UsageDto } from '../../../src/http/management/schemas.js';
import { formatDate, formatDayMonth } from '../lib/format.js';

const WIDTH = 720;
const HEIGHT = 180;
const AXIS = 20;

const deniedTotal = (day: UsageDto['days'][number]) => Object.values(day.denied).reduce((sum, n) => sum + n, 0);

export function UsageChart({ days }: { days: UsageDto['days'] }) {
  const peak = Math.max(1, ...days.map((d) => d.allowed + deniedTotal(d)));
  const slot = WIDTH / Math.max(days.length, 1);
  const barWidth = Math.max(2, slot * 0.7);
  const scale = (n: number) => (n / peak) * (HEIGHT - AXIS);
  const totalAllowed = days.reduce((sum, d) => sum + d.allowed, 0);
  const totalDenied = days.reduce((sum, d) => sum + deniedTotal(d), 0);

  return (
    <Stack gap="xs">
      <Group gap="lg">
        <Legend color="var(--mantine-color-brand-6)" label={`Allowed: ${totalAllowed.toLocaleString()}`} />
        <Legend color="var(--mantine-color-red-6)" label={`Refused: ${totalDenied.toLocaleString()}`} />
        {totalAllowed + totalDenied > 0 && (
          <Text size="xs" c="dimmed">
            Peak {peak.toLocaleString()} per day
          </Text>
        )}
      </Group>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        role="img"
        aria-label={`Requests per day over the last ${days.length} days: ${totalAllowed} allowed, ${totalDenied} refused.`}
        style={{ display: 'block' }}
      >
        <line x1={0} x2={WIDTH} y1={HEIGHT - AXIS} y2={HEIGHT - AXIS} stroke="var(--mantine-color-gray-4)" />
        {totalAllowed + totalDenied === 0 && (
          <text x={WIDTH / 2} y={(HEIGHT - AXIS) / 2} fontSize={13} textAnchor="middle" fill="var(--mantine-color-gray-7)">
            No requests in this period
          </text>
        )}
        {days.map((day, i) => {
          const denied = deniedTotal(day);
          const x = i * slot + (slot - barWidth) / 2;
          const allowedHeight = scale(day.allowed);
          const deniedHeight = scale(denied);
          const base = HEIGHT - AXIS;
          return (
            <g key={day.day}>
              <title>{`${formatDate(day.day)}: ${day.allowed} allowed, ${denied} refused`}</title>
              <rect x={x} y={base - allowedHeight} width={barWidth} height={allowedHeight} fill="var(--mantine-color-brand-6)" rx={1} />
              <rect x={x} y={base - allowedHeight - deniedHeight} width={barWidth} height={deniedHeight} fill="var(--mantine-color-red-6)" rx={1} />
              {/* A date under every 7th bar counted back from today, so the last label is always today's. */}
              {(days.length - 1 - i) % 7 === 0 && (
                <text x={x + barWidth / 2} y={HEIGHT - 4} fontSize={10} textAnchor={i === days.length - 1 ? 'end' : 'middle'} fill="var(--mantine-color-gray-7)">
                  {formatDayMonth(day.day)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <VisuallyHidden>
        <table>
          <caption>Requests per day</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Allowed</th>
              <th scope="col">Refused</th>
            </tr>
          </thead>
          <tbody>
            {days.map((day) => (
              <tr key={day.day}>
                <td>{day.day}</td>
                <td>{day.allowed}</td>
                <td>{deniedTotal(day)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </VisuallyHidden>
    </Stack>
  );
}

function Legend({ color, label }: { color: string; label: string }) {
  return (
    <Group gap={6}>
      <span aria-hidden="true" style={{ width: 10, height: 10, borderRadius: 2, background: color, display: 'inline-block' }} />
      <Text size="xs">{label}</Text>
    </Group>
  );
}
