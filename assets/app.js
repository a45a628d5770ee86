// Owns: start-up and the app frame. Asks /api/v1/me whether a session exists, shows the login
// page or the frame (sidebar, top bar with the live-updates indicator, current page), routes on
// the URL hash with one table of pages (ROUTES: #/dashboard, #/devices?client_id=3,
// #/devices/7/charts, #/clients/12, #/tickets/5, #/reports/sla, #/service-desk/routing, …; each with
// who may open it and its breadcrumb), keeps every role on the pages that work for it, keeps a user
// who must first set up a second factor on #/account until they have, and holds the live-updates
// stream open while someone is logged in.
import { html, render, useState, useEffect, useRef, useCallback } from './js/html.js';
import { api, setCsrfToken, onUnauthorized } from './js/api.js';
import { toggleTheme, currentTheme } from './js/theme.js';
import { installShortcuts, SHORTCUTS } from './js/shortcuts.js';
import { useCrumb } from './js/hooks.js';
import { startLive, stopLive, useLiveStatus } from './js/live.js';
import { roleLabel, userClientName, initials } from './js/format.js';
import { Icon, Logo } from './js/components/icons.js';
import { Dialog } from './js/components/dialog.js';
import { Toasts, notify } from './js/components/toast.js';
import { Loading, Spinner } from './js/components/ui.js';
import { LoginPage } from './js/pages/login.js';
import { DashboardPage } from './js/pages/dashboard.js';
import { DevicesPage } from './js/pages/devices.js';
import { DevicePage, DEVICE_TABS } from './js/pages/device.js';
import { ClientsPage } from './js/pages/clients.js';
import { ClientPage } from './js/pages/client.js';
import { UsersPage } from './js/pages/users.js';
import { AccountPage } from './js/pages/account.js';
import { AuditPage } from './js/pages/audit.js';
import { ChannelsPage } from './js/pages/channels.js';
import { NoticeBell } from './js/components/notices.js';
import { MaintenancePage } from './js/pages/maintenance.js';
import { AlertsPage, AlertPage, AlertNavBadge } from './js/pages/alerts.js';
import { RulesPage } from './js/pages/rules.js';
import { TicketsPage } from './js/pages/tickets.js';
import { TicketPage } from './js/pages/ticket.js';
import { KbPage, KbArticlePage } from './js/pages/kb.js';
import { ReportsPage, REPORT_TABS } from './js/pages/reports.js';
import { ServiceDeskPage, SERVICE_DESK_TABS } from './js/pages/service-desk/index.js';

const isStaff = (user) => user.role === 'admin' || user.role === 'technician';
const ownClientId = (user) => (user.role === 'client' && user.client_id != null ? String(user.client_id) : null);
const anyone = () => true;
const isAdmin = (user) => user.role === 'admin';

/**
 * Every page, tried in order against the path of the URL hash. In `path`, `:id` takes any one
 * part and `:tab?` one of the route's `tabs` (left out: the first). `who(user, route)` says whether
 * the user's role may open it (the API still decides what each sees); `section` is its breadcrumb.
 * A page about one thing has a `parent` instead (the list it belongs to, or a function of the user
 * answering it or nothing): its last breadcrumb is the thing's name, which the page sets.
 */
const ROUTES = [
  {
    path: 'dashboard', name: 'dashboard', section: 'Dashboard', who: isStaff,
    page: ({ user }) => html`<${DashboardPage} user=${user} />`,
  },
  {
    path: 'devices', name: 'devices', section: 'Devices', who: anyone,
    page: ({ user, route }) => html`<${DevicesPage} user=${user} query=${route.query} />`,
  },
  {
    // Anyone: the API answers "not found" for another client's device.
    path: 'devices/:id/:tab?', tabs: DEVICE_TABS, name: 'device', parent: ['#/devices', 'Devices'], who: anyone,
    page: ({ user, route }) => html`<${DevicePage} key=${route.id} id=${route.id} tab=${route.tab} user=${user} />`,
  },
  {
    path: 'clients', name: 'clients', section: 'Clients', who: isStaff,
    page: ({ user }) => html`<${ClientsPage} user=${user} />`,
  },
  {
    path: 'clients/:id', name: 'client', parent: (user) => isStaff(user) && ['#/clients', 'Clients'],
    who: (user, route) => isStaff(user) || route.id === ownClientId(user),
    page: ({ user, route }) => html`<${ClientPage} key=${route.id} id=${route.id} user=${user} />`,
  },
  {
    // Technicians see channels and deliveries; admins edit.
    path: 'channels', name: 'channels', section: 'Notifications', who: isStaff,
    page: ({ user }) => html`<${ChannelsPage} user=${user} />`,
  },
  {
    path: 'users', name: 'users', section: 'Users', who: isAdmin,
    page: ({ user }) => html`<${UsersPage} user=${user} />`,
  },
  {
    path: 'account', name: 'account', section: 'Account', who: anyone,
    page: ({ user, mfaSetup, onMfaChanged }) => html`<${AccountPage} user=${user} mfaSetup=${mfaSetup} onMfaChanged=${onMfaChanged} />`,
  },
  {
    path: 'audit', name: 'audit', section: 'Audit log', who: isAdmin,
    page: ({ user, route }) => html`<${AuditPage} user=${user} query=${route.query} />`,
  },
  {
    // Client contacts read their own client's windows.
    path: 'maintenance', name: 'maintenance', section: 'Maintenance', who: anyone,
    page: ({ user, route }) => html`<${MaintenancePage} user=${user} query=${route.query} />`,
  },
  {
    // A client contact sees their own company's alerts.
    path: 'alerts', name: 'alerts', section: 'Alerts', who: anyone,
    page: ({ user, route }) => html`<${AlertsPage} user=${user} query=${route.query} />`,
  },
  {
    path: 'alerts/:id', name: 'alert', parent: ['#/alerts', 'Alerts'], who: anyone,
    page: ({ user, route }) => html`<${AlertPage} key=${route.id} id=${route.id} user=${user} />`,
  },
  {
    path: 'rules', name: 'rules', section: 'Rules', who: isStaff,
    page: ({ user }) => html`<${RulesPage} user=${user} />`,
  },
  {
    // A client contact sees their own company's tickets.
    path: 'tickets', name: 'tickets', section: 'Tickets', who: anyone,
    page: ({ user, route }) => html`<${TicketsPage} user=${user} query=${route.query} />`,
  },
  {
    path: 'tickets/:id', name: 'ticket', parent: ['#/tickets', 'Tickets'], who: anyone,
    page: ({ user, route }) => html`<${TicketPage} key=${route.id} id=${route.id} user=${user} />`,
  },
  {
    // Client contacts read client-visible articles.
    path: 'kb', name: 'kb', section: 'Knowledge base', who: anyone,
    page: ({ user, route }) => html`<${KbPage} user=${user} query=${route.query} />`,
  },
  {
    path: 'kb/:id', name: 'kb-article', parent: ['#/kb', 'Knowledge base'], who: anyone, // an id, or "new"
    page: ({ user, route }) => html`<${KbArticlePage} key=${route.id} id=${route.id} user=${user} />`,
  },
  {
    path: 'reports/:tab?', tabs: REPORT_TABS, name: 'reports', section: 'Reports', who: isStaff,
    page: ({ user, route }) => html`<${ReportsPage} user=${user} tab=${route.tab} query=${route.query} />`,
  },
  {
    // Technicians read queues, routing and SLAs; admins edit.
    path: 'service-desk/:tab?', tabs: SERVICE_DESK_TABS, name: 'service-desk', section: 'Service desk', who: isStaff,
    page: ({ user, route }) => html`<${ServiceDeskPage} user=${user} tab=${route.tab} />`,
  },
];

/** The `id` and `tab` a route's path takes from `parts`, or null when it does not fit. */
function matchRoute(def, parts) {
  const pattern = def.path.split('/');
  if (parts.length > pattern.length) return null;
  const found = {};
  for (const [i, want] of pattern.entries()) {
    const part = parts[i];
    if (want === ':id') {
      if (part === undefined) return null;
      found.id = part;
    } else if (want === ':tab?') {
      if (part === undefined) found.tab = def.tabs[0];
      else if (def.tabs.includes(part)) found.tab = part;
      else return null;
    } else if (want !== part) {
      return null;
    }
  }
  return found;
}

/** The route of the URL hash: `{ name, id, tab, query, def }`; `{ name: 'none' }` for no page. */
function parseRoute() {
  const hash = location.hash.replace(/^#\/?/, '');
  const q = hash.indexOf('?');
  const raw = q < 0 ? hash : hash.slice(0, q);
  const query = q < 0 ? '' : hash.slice(q + 1);
  const parts = raw.split('/').filter(Boolean).map((p) => {
    try { return decodeURIComponent(p); } catch { return p; }
  });
  for (const def of ROUTES) {
    const found = matchRoute(def, parts);
    if (found) return { name: def.name, ...found, query, def };
  }
  return { name: 'none' };
}

const allowed = (route, user) => !!route.def && route.def.who(user, route);

function homeHash(user) {
  return isStaff(user) ? '#/dashboard' : '#/devices';
}

/** The navigation entries this user's role can use; `routes` are the route names each one covers. */
function navItems(user) {
  const items = [];
  if (isStaff(user)) items.push({ key: 'dashboard', href: '#/dashboard', label: 'Dashboard', icon: 'dashboard', routes: ['dashboard'] });
  items.push({ key: 'tickets', href: '#/tickets', label: 'Tickets', icon: 'list', routes: ['tickets', 'ticket'] });
  items.push({ key: 'alerts', href: '#/alerts', label: 'Alerts', icon: 'alert', routes: ['alerts', 'alert'], badge: AlertNavBadge });
  items.push({ key: 'devices', href: '#/devices', label: 'Devices', icon: 'device', routes: ['devices', 'device'] });
  if (isStaff(user)) items.push({ key: 'clients', href: '#/clients', label: 'Clients', icon: 'clients', routes: ['clients', 'client'] });
  const own = ownClientId(user);
  if (own) {
    items.push({ key: 'client', href: `#/clients/${encodeURIComponent(own)}`, label: userClientName(user) || 'My company', icon: 'clients', routes: ['client'] });
  }
  items.push({ key: 'maintenance', href: '#/maintenance', label: 'Maintenance', icon: 'clock', routes: ['maintenance'] });
  items.push({ key: 'kb', href: '#/kb', label: 'Knowledge base', icon: 'box', routes: ['kb', 'kb-article'] });
  if (isStaff(user)) items.push({ key: 'reports', href: '#/reports', label: 'Reports', icon: 'chart', routes: ['reports'] });
  if (isStaff(user)) items.push({ key: 'rules', href: '#/rules', label: 'Rules', icon: 'activity', routes: ['rules'] });
  if (isStaff(user)) items.push({ key: 'service-desk', href: '#/service-desk', label: 'Service desk', icon: 'shield', routes: ['service-desk'] });
  if (isStaff(user)) items.push({ key: 'channels', href: '#/channels', label: 'Notifications', icon: 'external', routes: ['channels'] });
  if (user.role === 'admin') items.push({ key: 'users', href: '#/users', label: 'Users', icon: 'users', routes: ['users'] });
  if (user.role === 'admin') items.push({ key: 'audit', href: '#/audit', label: 'Audit log', icon: 'eye', routes: ['audit'] });
  items.push({ key: 'account', href: '#/account', label: 'Account', icon: 'account', routes: ['account'] });
  return items;
}

function App() {
  const [phase, setPhase] = useState('boot'); // boot | login | ready | offline
  const [user, setUser] = useState(null);
  // The server's [auth] require_mfa_for applies and the user has no second factor yet: every API
  // call but the account's own answers 403 until they set one up, so only #/account is shown.
  const [mfaSetup, setMfaSetup] = useState(false);
  const mfaSetupRef = useRef(false);
  mfaSetupRef.current = mfaSetup;
  const [notice, setNotice] = useState('');
  const [bootError, setBootError] = useState('');
  const [version, setVersion] = useState('');
  const [route, setRoute] = useState(parseRoute);
  const [helpOpen, setHelpOpen] = useState(false);
  const userRef = useRef(null);
  userRef.current = user;

  const signIn = useCallback((data) => {
    setCsrfToken(data.csrf_token);
    setUser(data.user);
    setMfaSetup(!!data.mfa_setup_required);
    setNotice('');
    setPhase('ready');
  }, []);
  /** Re-reads /api/v1/me after the second factor changed (set up, turned off). */
  const refreshMe = useCallback(() => api.get('/api/v1/me').then(signIn).catch((e) => notify.error(e.message)), [signIn]);
  const signOut = useCallback(() => {
    stopLive();
    setCsrfToken(null);
    setUser(null);
    setHelpOpen(false);
    setPhase('login');
  }, []);

  const boot = useCallback(() => {
    setPhase('boot');
    api.get('/api/v1/me').then(signIn).catch((e) => {
      if (e.status === 401) { setPhase('login'); return; }
      setBootError(e.message);
      setPhase('offline');
    });
  }, [signIn]);

  useEffect(() => {
    onUnauthorized(() => {
      if (userRef.current) setNotice('Your session has ended. Log in again to continue.');
      signOut();
    });
    const onHash = () => setRoute(parseRoute());
    window.addEventListener('hashchange', onHash);
    api.get('/healthz').then((d) => setVersion((d && d.version) || '')).catch(() => {});
    boot();
    const uninstall = installShortcuts({
      help: () => userRef.current && setHelpOpen(true),
      go: () => {
        const u = userRef.current;
        if (!u || mfaSetupRef.current) return {};
        const to = (hash) => () => { location.hash = hash; };
        const keys = {};
        if (isStaff(u)) keys.h = to('#/dashboard');
        keys.d = to('#/devices');
        keys.t = to('#/tickets');
        keys.k = to('#/kb');
        if (isStaff(u)) keys.r = to('#/reports');
        if (isStaff(u)) keys.c = to('#/clients');
        if (u.role === 'admin') keys.u = to('#/users');
        keys.a = to('#/account');
        return keys;
      },
    });
    return () => { window.removeEventListener('hashchange', onHash); uninstall(); };
  }, []);

  // Keep each role on pages that work for it: anything else goes to the user's home page.
  useEffect(() => {
    if (user && mfaSetup && route.name !== 'account') location.replace('#/account');
    else if (user && !allowed(route, user)) location.replace(homeHash(user));
  }, [route, user, mfaSetup]);

  // A new page starts at the top.
  useEffect(() => {
    const main = document.getElementById('main');
    if (main) main.scrollTop = 0;
  }, [route.name, route.id]);

  // The live-updates stream is open exactly while someone is logged in.
  useEffect(() => {
    if (phase !== 'ready') return undefined;
    startLive();
    return stopLive;
  }, [phase]);

  if (phase === 'boot') return html`<div class="boot"><${Loading} /></div>`;
  if (phase === 'offline') {
    return html`<div class="boot"><div class="boot-card" role="alert">
      <${Icon} name="alert" size=${22} />
      <p>${bootError}</p>
      <button type="button" class="btn btn-primary" onClick=${boot}>Try again</button>
    </div></div>`;
  }
  if (phase === 'login' || !user) return html`<${LoginPage} onLoggedIn=${signIn} notice=${notice} version=${version} /><${Toasts} />`;

  return html`<${Frame} user=${user} route=${route} version=${version} onLoggedOut=${signOut}
    mfaSetup=${mfaSetup} onMfaChanged=${refreshMe} onHelp=${() => setHelpOpen(true)} />
    ${helpOpen && html`<${ShortcutsDialog} onClose=${() => setHelpOpen(false)} />`}`;
}

function Frame({ user, route, version, onLoggedOut, onHelp, mfaSetup, onMfaChanged }) {
  const items = mfaSetup ? navItems(user).filter((it) => it.key === 'account') : navItems(user);
  // While a second factor must be set up first, only the account page is shown.
  const shown = route.name === 'account' || (!mfaSetup && allowed(route, user));
  const page = shown ? route.def.page({ route, user, mfaSetup, onMfaChanged }) : null;
  return html`<div class="shell">
    <aside class="sidebar">
      <a class="brand" href=${homeHash(user)}><${Logo} size=${26} /><span>Steward</span></a>
      <nav id="nav" aria-label="Main">
        ${items.map((it) => {
          const active = it.routes.includes(route.name) && (it.key !== 'client' || route.id === ownClientId(user));
          return html`<a key=${it.key} href=${it.href} data-nav=${it.key} class=${active ? 'nav-link active' : 'nav-link'}
              aria-current=${active ? 'page' : undefined}>
            <${Icon} name=${it.icon} size=${17} /><span class="nav-label">${it.label}</span>${it.badge && html`<${it.badge} />`}
          </a>`;
        })}
      </nav>
      <div class="sidebar-foot">
        <button type="button" class="nav-link" id="shortcuts-help" onClick=${onHelp}>
          <${Icon} name="keyboard" size=${17} /><span class="nav-label">Shortcuts</span><kbd>?</kbd>
        </button>
        <div class="version">Steward <span id="app-version">${version}</span></div>
      </div>
    </aside>
    <div class="main-col">
      <${TopBar} user=${user} route=${route} onLoggedOut=${onLoggedOut} quiet=${mfaSetup} />
      <main id="main" class="content" tabindex="-1">${page}</main>
    </div>
    <${Toasts} />
  </div>`;
}

function Breadcrumbs({ route, user }) {
  const crumb = useCrumb();
  const def = route.def;
  if (def && def.parent) {
    const parent = typeof def.parent === 'function' ? def.parent(user) : def.parent;
    return html`<ol class="crumbs">
      ${parent && html`<li><a href=${parent[0]}>${parent[1]}</a></li>`}
      <li aria-current="page">${crumb || html`<${Spinner} />`}</li>
    </ol>`;
  }
  return html`<ol class="crumbs"><li aria-current="page">${def ? def.section : ''}</li></ol>`;
}

/** `quiet`: the user must set up a second factor first, so the notices (which would be refused) are left out. */
function TopBar({ user, route, onLoggedOut, quiet }) {
  const [theme, setTheme] = useState(currentTheme());
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const fn = (e) => setTheme(e.detail);
    window.addEventListener('steward:theme', fn);
    return () => window.removeEventListener('steward:theme', fn);
  }, []);

  const logout = async () => {
    setBusy(true);
    try {
      await api.post('/auth/logout');
    } catch (e) {
      // A 401 already means "logged out"; anything else is worth saying, but we leave anyway.
      if (e.status !== 401) notify.error(e.message);
    }
    onLoggedOut();
  };

  const nextTheme = theme === 'dark' ? 'light' : 'dark';
  return html`<header class="topbar">
    <${Breadcrumbs} route=${route} user=${user} />
    <div class="topbar-right">
      ${!quiet && html`<${NoticeBell} user=${user} />`}
      <${LiveIndicator} />
      <button type="button" class="icon-btn" id="theme-toggle" onClick=${toggleTheme} data-theme-now=${theme}
        aria-label=${`Switch to ${nextTheme} theme`} title=${`Switch to ${nextTheme} theme`}>
        <${Icon} name=${theme === 'dark' ? 'sun' : 'moon'} size=${17} />
      </button>
      <div class="user-chip" title=${user.email || user.login}>
        <span class="avatar" aria-hidden="true">${initials(user)}</span>
        <span class="user-meta">
          <span id="current-user">${user.login}</span>
          <span class="user-role">${roleLabel(user.role)}</span>
        </span>
      </div>
      <button type="button" class="btn btn-ghost" id="logout" onClick=${logout} disabled=${busy}>
        ${busy ? html`<${Spinner} />` : html`<${Icon} name="logout" />`}Log out
      </button>
    </div>
  </header>`;
}

/** A small "Live" mark: green while the live-updates stream is connected, grey while it is not. */
function LiveIndicator() {
  const status = useLiveStatus();
  const on = status === 'open';
  const title = on ? 'Live: pages update as devices report.'
    : status === 'connecting' ? 'Connecting to live updates…'
      : 'Live updates are disconnected; reconnecting. Pages still show what they loaded.';
  return html`<span id="live-indicator" class=${on ? 'live live-on' : 'live live-off'} data-live=${on ? 'on' : 'off'}
      data-status=${status} title=${title} role="status" aria-label=${title}>
    <span class="live-dot" aria-hidden="true"></span>Live
  </span>`;
}

function ShortcutsDialog({ onClose }) {
  return html`<${Dialog} id="shortcuts-dialog" title="Keyboard shortcuts" onClose=${onClose}>
    <div class="dialog-body">
      <table class="shortcut-table">
        <tbody>
          ${SHORTCUTS.map(([keys, what]) => html`<tr key=${keys}>
            <td>${keys.split(' ').map((k, i) => html`${i > 0 && html`<span class="then">then</span>`}<kbd>${k}</kbd>`)}</td>
            <td>${what}</td>
          </tr>`)}
        </tbody>
      </table>
      <p class="field-hint">Shortcuts are off while you type in a field.</p>
    </div>
    <div class="dialog-foot">
      <button type="button" class="btn btn-primary" autofocus onClick=${onClose}>Close</button>
    </div>
  <//>`;
}

render(html`<${App} />`, document.getElementById('root'));
