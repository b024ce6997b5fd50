/** Mantine's Tooltip as a module of its own, for CopyValueButton's "Copied" to load on demand. */
export { Tooltip as default } from '@mantine/core';
