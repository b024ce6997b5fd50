/** Mantine's Select as a module of its own, for SelectOnFirstUse to load on demand. */
export { Select as default } from '@mantine/core';
