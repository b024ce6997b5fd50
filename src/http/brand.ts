/**
 * Sidekey's mark (a key on a rounded square) as SVG, for the pages the server draws itself: /api/docs' icon and
 * logo. The web UI's favicon (web/public/favicon.svg) is this same icon; a test holds the two equal.
 */
const MARK = '<rect width="32" height="32" rx="8" fill="#4c6ef5"/><circle cx="12" cy="16" r="5" fill="none" stroke="#fff" stroke-width="3"/><path d="M17 16h10M23 16v5M27 16v4" stroke="#fff" stroke-width="3" stroke-linecap="round"/>';

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">${MARK}</svg>`;

/** The mark and the name, white on the docs' dark top bar. */
export const DOCS_LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 170 32" width="170" height="32">${MARK}<text x="42" y="22.5" font-family="Inter, system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" font-size="18" font-weight="700" fill="#fff">Sidekey API</text></svg>`;
