// Owns: the light/dark theme after start-up (js/theme-init.js applies it before the first paint).
// The choice is saved in localStorage; without one, the theme follows the system and keeps
// following it when the system setting changes.
const KEY = 'steward.theme';
const media = window.matchMedia('(prefers-color-scheme: dark)');

function saved() {
  try { return localStorage.getItem(KEY); } catch { return null; }
}

export const currentTheme = () => document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';

function apply(theme) {
  document.documentElement.dataset.theme = theme;
  window.dispatchEvent(new CustomEvent('steward:theme', { detail: theme }));
}

export function toggleTheme() {
  const next = currentTheme() === 'dark' ? 'light' : 'dark';
  try { localStorage.setItem(KEY, next); } catch { /* storage blocked: the switch still applies for this page */ }
  apply(next);
}

media.addEventListener('change', (e) => {
  if (!saved()) apply(e.matches ? 'dark' : 'light');
});
