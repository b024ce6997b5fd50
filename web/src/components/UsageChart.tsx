/**
 * Requests per day for the last 30 days as a plain SVG bar chart: allowed requests in the brand colour with
 * refused ones stacked on top in red. A hidden table carries the same numbers for screen readers.
 */
import { Box, Center, Group, Stack, Text, VisuallyHidden } from '@mantine/core';
import type { UsageDto } from '../../../src/http/management/schemas.js';
import { formatCount, formatDate, formatDayMonth } from '../lib/format.js';

const WIDTH = 720;
const HEIGHT = 160;

const deniedTotal = (day: UsageDto['days'][number]) => Object.values(day.denied).reduce((sum, n) => sum + n, 0);

export function UsageChart({ days }: { days: UsageDto['days'] }) {
  const peak = Math.max(1, ...days.map((d) => d.allowed + deniedTotal(d)));
  const slot = WIDTH / Math.max(days.length, 1);
  const barWidth = Math.max(2, slot * 0.7);
  const scale = (n: number) => (n / peak) * HEIGHT;
  const totalAllowed = days.reduce((sum, d) => sum + d.allowed, 0);
  const totalDenied = days.reduce((sum, d) => sum + deniedTotal(d), 0);

  return (
    <Stack gap="xs">
      <Group gap="lg">
        <Legend color="var(--mantine-color-brand-6)" label={`Allowed: ${formatCount(totalAllowed)}`} />
        <Legend color="var(--mantine-color-red-6)" label={`Refused: ${formatCount(totalDenied)}`} />
        {totalAllowed + totalDenied > 0 && (
          <Text size="xs" c="dimmed">
            Peak {formatCount(peak)} per day
          </Text>
        )}
      </Group>
      {/* The bars scale with the width; every word (the empty state, the dates) is HTML at a readable size. */}
      <Box pos="relative">
        <svg
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          width="100%"
          role="img"
          aria-label={`Requests per day over the last ${days.length} days: ${totalAllowed} allowed, ${totalDenied} refused.`}
          style={{ display: 'block' }}
        >
          <line x1={0} x2={WIDTH} y1={HEIGHT} y2={HEIGHT} stroke="var(--mantine-color-gray-4)" />
          {days.map((day, i) => {
            const denied = deniedTotal(day);
            const x = i * slot + (slot - barWidth) / 2;
            const allowedHeight = scale(day.allowed);
            const deniedHeight = scale(denied);
            return (
              <g key={day.day}>
                <title>{`${formatDate(day.day)}: ${day.allowed} allowed, ${denied} refused`}</title>
                <rect x={x} y={HEIGHT - allowedHeight} width={barWidth} height={allowedHeight} fill="var(--mantine-color-brand-6)" rx={1} />
                <rect x={x} y={HEIGHT - allowedHeight - deniedHeight} width={barWidth} height={deniedHeight} fill="var(--mantine-color-red-6)" rx={1} />
              </g>
            );
          })}
        </svg>
        {totalAllowed + totalDenied === 0 && (
          <Center pos="absolute" inset={0}>
            <Text size="sm" c="gray.7">
              No requests in this period
            </Text>
          </Center>
        )}
      </Box>
      {/* A date under every 7th bar counted back from today, so the last label is always today's. */}
      <Box pos="relative" h={18} aria-hidden="true" data-testid="usage-axis">
        {days.map((day, i) =>
          (days.length - 1 - i) % 7 === 0 ? (
            <Text
              key={day.day}
              size="xs"
              c="gray.7"
              pos="absolute"
              top={0}
              style={{ left: `${((i + 0.5) * slot * 100) / WIDTH}%`, transform: i === days.length - 1 ? 'translateX(-100%)' : 'translateX(-50%)', whiteSpace: 'nowrap' }}
            >
              {formatDayMonth(day.day)}
            </Text>
          ) : null,
        )}
      </Box>
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
