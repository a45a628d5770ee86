// Owns: the UI's icons, drawn here as small stroke paths (24x24 grid) so no icon font or image
// requests are needed. A string is a path; {c: [cx, cy, r]} a circle; {r: [x, y, w, h, rx]} a rect.
import { html } from '../html.js';

const ICONS = {
  clients: ['M4 21V5a1 1 0 0 1 1-1h9a1 1 0 0 1 1 1v16', 'M15 9h4a1 1 0 0 1 1 1v11', 'M2.5 21h19', 'M8 8h3M8 12h3M8 16h3'],
  users: [{ c: [9, 8, 3.5] }, 'M2.5 20c.6-3.4 3.2-5.5 6.5-5.5s5.9 2.1 6.5 5.5', 'M16 4.6a3.5 3.5 0 0 1 0 6.8', 'M18.2 14.8c1.8.8 3 2.5 3.4 5.2'],
  account: [{ c: [12, 12, 9.5] }, { c: [12, 10, 3.2] }, 'M6.3 18.7c1.3-2.2 3.3-3.4 5.7-3.4s4.4 1.2 5.7 3.4'],
  sun: [{ c: [12, 12, 4] }, 'M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4'],
  moon: ['M20.5 14.5A8.5 8.5 0 1 1 9.5 3.5a7 7 0 0 0 11 11Z'],
  logout: ['M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3', 'M10 8l-4 4 4 4', 'M6 12h10'],
  plus: ['M12 5v14M5 12h14'],
  search: [{ c: [11, 11, 6.5] }, 'M16 16l4.5 4.5'],
  x: ['M6 6l12 12M18 6 6 18'],
  copy: [{ r: [9, 9, 11, 11, 2] }, 'M5 15V6a2 2 0 0 1 2-2h8'],
  key: [{ c: [8, 15, 4] }, 'M11 12l8.5-8.5M16 7l2.5 2.5M13.8 9.2l2 2'],
  keyboard: [{ r: [2.5, 6, 19, 12, 2] }, 'M6.5 10h.01M10 10h.01M14 10h.01M17.5 10h.01M7.5 14h9'],
  sortUp: ['M8 14l4-4 4 4'],
  sortDown: ['M8 10l4 4 4-4'],
  sortNone: ['M8.5 9.5 12 6l3.5 3.5M8.5 14.5 12 18l3.5-3.5'],
  edit: ['M4 20h4L19 9l-4-4L4 16v4Z', 'M13.5 6.5l4 4'],
  alert: ['M12 3.5 2.5 20h19L12 3.5Z', 'M12 10v4.5M12 17.5h.01'],
  check: ['M5 12.5l4.5 4.5L19 7.5'],
  eye: ['M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12Z', { c: [12, 12, 3] }],
  eyeOff: ['M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12Z', { c: [12, 12, 3] }, 'M3.5 3.5l17 17'],
  dice: [{ r: [3.5, 3.5, 17, 17, 3] }, 'M8.5 8.5h.01M15.5 15.5h.01M12 12h.01M15.5 8.5h.01M8.5 15.5h.01'],
  pin: ['M12 21s-6.5-5.8-6.5-11a6.5 6.5 0 0 1 13 0c0 5.2-6.5 11-6.5 11Z', { c: [12, 10, 2.3] }],
  clock: [{ c: [12, 12, 9] }, 'M12 7v5l3 2'],
  device: [{ r: [3, 4.5, 18, 12, 1.5] }, 'M9 20h6M12 16.5V20'],
  dashboard: [{ r: [3.5, 3.5, 7, 9, 1.5] }, { r: [13.5, 3.5, 7, 5, 1.5] }, { r: [13.5, 11.5, 7, 9, 1.5] }, { r: [3.5, 15.5, 7, 5, 1.5] }],
  tag: ['M3.5 12.2V4.5a1 1 0 0 1 1-1h7.7l8.3 8.3a1.5 1.5 0 0 1 0 2.1l-6.2 6.2a1.5 1.5 0 0 1-2.1 0Z', 'M8 8h.01'],
  trash: ['M4 7h16', 'M9.5 7V4.5h5V7', 'M6 7l1 13h10l1-13', 'M10 11v5M14 11v5'],
  disk: [{ r: [3, 5, 18, 14, 2] }, 'M3 14h18', 'M16.5 16.5h.01'],
  chart: ['M4 4v16h16', 'M7.5 14.5l3.5-4 3 2.5 4.5-6'],
  shield: ['M12 3 4.5 6v5.5c0 4.6 3.1 8.2 7.5 9.5 4.4-1.3 7.5-4.9 7.5-9.5V6Z', 'M9 12l2.2 2.2L15.5 10'],
  terminal: [{ r: [3, 4, 18, 16, 2] }, 'M7 9l3 3-3 3', 'M12.5 15H17'],
  activity: ['M3 12h4l2.5-6 5 12 2.5-6h4'],
  list: ['M9 6h11M9 12h11M9 18h11', 'M4.5 6h.01M4.5 12h.01M4.5 18h.01'],
  box: ['M12 3 3.5 7.5v9L12 21l8.5-4.5v-9Z', 'M3.5 7.5 12 12l8.5-4.5', 'M12 12v9'],
  external: ['M14 4h6v6', 'M20 4l-9 9', 'M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5'],
};

export function Icon({ name, size = 16, class: cls = '' }) {
  const parts = ICONS[name] || [];
  return html`<svg class="icon ${cls}" width=${size} height=${size} viewBox="0 0 24 24" aria-hidden="true"
    focusable="false" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"
    stroke-linejoin="round">${parts.map((p) =>
      typeof p === 'string' ? html`<path d=${p} />`
        : p.c ? html`<circle cx=${p.c[0]} cy=${p.c[1]} r=${p.c[2]} />`
          : html`<rect x=${p.r[0]} y=${p.r[1]} width=${p.r[2]} height=${p.r[3]} rx=${p.r[4]} />`)}</svg>`;
}

/** The Steward mark (same drawing as favicon.svg). */
export function Logo({ size = 24 }) {
  return html`<svg class="logo" width=${size} height=${size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
    <rect width="32" height="32" rx="7" class="logo-bg" />
    <path d="M16 5.5 7.5 9v6.2c0 5.4 3.6 9.6 8.5 11.3 4.9-1.7 8.5-5.9 8.5-11.3V9Z" fill="none" stroke="#fff"
      stroke-width="2.2" stroke-linejoin="round" />
    <path d="m11.8 16.2 3 3 5.6-6" fill="none" stroke="#fff" stroke-width="2.4" stroke-linecap="round"
      stroke-linejoin="round" />
  </svg>`;
}
