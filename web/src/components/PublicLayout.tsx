import { Box, Center, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { KeyIcon } from './icons.js';
import { useFirstPageDrawnMark } from '../lib/firstPage.js';

/** The frame of the pages before sign-in: the product name and one centred form. */
export function PublicLayout({ title, subtitle, children }: { title: string; subtitle: string; children: ReactNode }) {
  useFirstPageDrawnMark();
  return (
    <Center mih="100vh" p="md" component="main">
      <Stack w="100%" maw={420} gap="lg">
        <Group gap={10} justify="center">
          <Box w={36} h={36} bg="brand.7" c="white" style={{ borderRadius: 9, display: 'grid', placeItems: 'center' }} aria-hidden="true">
            <KeyIcon size={20} />
          </Box>
          <Text fw={700} size="xl">
            Sidekey
          </Text>
        </Group>
        <Paper withBorder shadow="sm" p={{ base: 'lg', sm: 'xl' }}>
          <Stack gap={4} mb="lg">
            <Title order={1} size="h3">
              {title}
            </Title>
            <Text c="dimmed" size="sm">
              {subtitle}
            </Text>
          </Stack>
          {children}
        </Paper>
      </Stack>
    </Center>
  );
}
