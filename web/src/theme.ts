import { createTheme, type CSSVariablesResolver, type MantineColorsTuple } from '@mantine/core';

// A calm blue-violet: readable on white, with enough contrast for filled buttons (WCAG AA on shade 7).
const brand: MantineColorsTuple = ['#eef2ff', '#e0e7ff', '#c7d2fe', '#a5b4fc', '#818cf8', '#6366f1', '#4f46e5', '#4338ca', '#3730a3', '#312e81'];

// Mantine's defaults with the darkest shade deepened: light badges and alerts draw their text in shade 9, and
// the stock orange/yellow/teal 9 on their own light background fall short of WCAG AA (4.5:1) for small text.
const orange: MantineColorsTuple = ['#fff4e6', '#ffe8cc', '#ffd8a8', '#ffc078', '#ffa94d', '#ff922b', '#fd7e14', '#f76707', '#e8590c', '#a8430b'];
const teal: MantineColorsTuple = ['#e6fcf5', '#c3fae8', '#96f2d7', '#63e6be', '#38d9a9', '#20c997', '#12b886', '#0ca678', '#099268', '#06694b'];
const yellow: MantineColorsTuple = ['#fff9db', '#fff3bf', '#ffec99', '#ffe066', '#ffd43b', '#fcc419', '#fab005', '#f59f00', '#f08c00', '#8a5a00'];

export const theme = createTheme({
  primaryColor: 'brand',
  primaryShade: 7,
  colors: { brand, orange, yellow, teal },
  defaultRadius: 'md',
  fontFamily: 'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  headings: { fontWeight: '650' },
  components: {
    Card: { defaultProps: { withBorder: true, radius: 'md', padding: 'lg' } },
    Paper: { defaultProps: { radius: 'md' } },
    // Dialog titles read as headings (Mantine draws them at body weight).
    Modal: { defaultProps: { centered: true, overlayProps: { backgroundOpacity: 0.45, blur: 2 } }, styles: { title: { fontWeight: 650, fontSize: 'var(--mantine-font-size-lg)' } } },
    // Mantine's initial-focus placeholder is a focusable role="presentation" element inside role="menu", which
    // axe-core rejects (aria-required-children, critical). Without it an opened menu focuses its first item.
    Menu: { defaultProps: { withInitialFocusPlaceholder: false } },
    // A closed select renders no options: Mantine's default keeps every dropdown mounted (hidden), so each Select
    // on a page built its option list and had floating-ui measure and position it during the page's load.
    Combobox: { defaultProps: { keepMounted: false } },
    Tooltip: { defaultProps: { withArrow: true, openDelay: 300 } },
    // Toasts are dismissable by keyboard and screen reader too, so their close button needs a name.
    Notification: { defaultProps: { closeButtonProps: { 'aria-label': 'Dismiss notification' } } },
  },
});

/**
 * Mantine's default "dimmed" text (gray-6) is 3.3:1 on white, below WCAG AA's 4.5:1 for body text.
 * This grey keeps the secondary look at about 6:1.
 */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': '#5c636a', '--mantine-color-placeholder': '#6c737a' },
  dark: {},
});
