// Owns: applying the theme before the first paint. Loaded as a classic, blocking script from
// index.html (the CSP forbids inline scripts). The saved choice in localStorage wins; otherwise
// the system's prefers-color-scheme. js/theme.js owns changing it later.
(function () {
  var saved = null;
  try { saved = localStorage.getItem('steward.theme'); } catch (e) { /* storage blocked */ }
  var dark = saved ? saved === 'dark' : window.matchMedia('(prefers-color-scheme: dark)').matches;
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
})();
