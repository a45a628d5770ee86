// Owns: start-up and the app frame. Asks /api/v1/me whether a session exists, shows the login
// page or the frame (sidebar, top bar with the live-updates indicator, current page), routes on
// the URL hash (#/dashboard, #/devices?client_id=3, #/devices/7/charts, #/clients, #/clients/12,
// #/maintenance?client_id=3, #/alerts?state=resolved, #/alerts/9, #/rules, #/users, #/audit?action=login,
// #/account), keeps every role on the pages that work for it, keeps a user who must first set up a
// second factor on #/account until they have, and holds the live-updates stream open while
// someone is logged in.
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
import { ServiceDeskPage, SERVICE_DESK_TABS } from './js/pages/service-desk.js';

function parseRoute() {
  const hash = location.hash.replace(/^#\/?/, '');
  const q = hash.indexOf('?');
  const raw = q < 0 ? hash : hash.slice(0, q);
  const query = q < 0 ? '' : hash.slice(q + 1);
  const parts = raw.split('/').filter(Boolean).map((p) => {
    try { return decodeURIComponent(p); } catch { return p; }
  });
  if (parts[0] === 'dashboard' && parts.length === 1) return { name: 'dashboard' };
  if (parts[0] === 'devices' && parts.length === 1) return { name: 'devices', query };
  if (parts[0] === 'devices' && parts.length === 2) return { name: 'device', id: parts[1], tab: 'overview' };
  if (parts[0] === 'devices' && parts.length === 3 && DEVICE_TABS.includes(parts[2])) return { name: 'device', id: parts[1], tab: parts[2] };
  if (parts[0] === 'clients' && parts.length === 1) return { name: 'clients' };
  if (parts[0] === 'clients' && parts.length === 2) return { name: 'client', id: parts[1] };
  if (parts[0] === 'channels' && parts.length === 1) return { name: 'channels' };
  if (parts.length === 1 && (parts[0] === 'users' || parts[0] === 'account')) return { name: parts[0] };
  if (parts[0] === 'audit' && parts.length === 1) return { name: 'audit', query };
  if (parts[0] === 'maintenance' && parts.length === 1) return { name: 'maintenance', query };
  if (parts[0] === 'alerts' && parts.length === 1) return { name: 'alerts', query };
  if (parts[0] === 'alerts' && parts.length === 2) return { name: 'alert', id: parts[1] };
  if (parts[0] === 'rules' && parts.length === 1) return { name: 'rules' };
  if (parts[0] === 'tickets' && parts.length === 1) return { name: 'tickets', query };
  if (parts[0] === 'tickets' && parts.length === 2) return { name: 'ticket', id: parts[1] };
  if (parts[0] === 'kb' && parts.length === 1) return { name: 'kb', query };
  if (parts[0] === 'kb' && parts.length === 2) return { name: 'kb-article', id: parts[1] }; // id or "new"
  if (parts[0] === 'reports' && parts.length === 1) return { name: 'reports', tab: REPORT_TABS[0], query };
  if (parts[0] === 'reports' && parts.length === 2 && REPORT_TABS.includes(parts[1])) return { name: 'reports', tab: parts[1], query };
  if (parts[0] === 'service-desk' && parts.length === 1) return { name: 'service-desk', tab: SERVICE_DESK_TABS[0] };
  if (parts[0] === 'service-desk' && parts.length === 2 && SERVICE_DESK_TABS.includes(parts[1])) return { name: 'service-desk', tab: parts[1] };
  return { name: 'none' };
}

const isStaff = (user) => user.role === 'admin' || user.role === 'technician';
const ownClientId = (user) => (user.role === 'client' && user.client_id != null ? String(user.client_id) : null);

function allowed(route, user) {
  switch (route.name) {
    case 'dashboard': return isStaff(user);
    case 'devices': return true;
    case 'device': return true; // the API answers "not found" for another client's device
    case 'clients': return isStaff(user);
    case 'client': return isStaff(user) || route.id === ownClientId(user);
    case 'users': return user.role === 'admin';
    case 'audit': return user.role === 'admin';
    case 'channels': return isStaff(user); // technicians see channels and deliveries; admins edit
    case 'account': return true;
    case 'maintenance': return true; // client contacts read their own client's windows
    case 'alerts': case 'alert': return true; // a client contact sees their own company's alerts
    case 'rules': return isStaff(user);
    case 'tickets': case 'ticket': return true; // a client contact sees their own company's tickets
    case 'kb': case 'kb-article': return true; // client contacts read client-visible articles
    case 'reports': return isStaff(user);
    case 'service-desk': return isStaff(user); // technicians read queues, routing and SLAs; admins edit
    default: return false;
  }
}

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
  let page = null;
  if (route.name === 'account') page = html`<${AccountPage} user=${user} mfaSetup=${mfaSetup} onMfaChanged=${onMfaChanged} />`;
  else if (!mfaSetup && allowed(route, user)) page = routePage(route, user);
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

function routePage(route, user) {
  switch (route.name) {
    case 'dashboard': return html`<${DashboardPage} user=${user} />`;
    case 'devices': return html`<${DevicesPage} user=${user} query=${route.query} />`;
    case 'device': return html`<${DevicePage} key=${route.id} id=${route.id} tab=${route.tab} user=${user} />`;
    case 'clients': return html`<${ClientsPage} user=${user} />`;
    case 'client': return html`<${ClientPage} key=${route.id} id=${route.id} user=${user} />`;
    case 'users': return html`<${UsersPage} user=${user} />`;
    case 'audit': return html`<${AuditPage} user=${user} query=${route.query} />`;
    case 'channels': return html`<${ChannelsPage} user=${user} />`;
    case 'maintenance': return html`<${MaintenancePage} user=${user} query=${route.query} />`;
    case 'alerts': return html`<${AlertsPage} user=${user} query=${route.query} />`;
    case 'alert': return html`<${AlertPage} key=${route.id} id=${route.id} user=${user} />`;
    case 'rules': return html`<${RulesPage} user=${user} />`;
    case 'tickets': return html`<${TicketsPage} user=${user} query=${route.query} />`;
    case 'ticket': return html`<${TicketPage} key=${route.id} id=${route.id} user=${user} />`;
    case 'kb': return html`<${KbPage} user=${user} query=${route.query} />`;
    case 'kb-article': return html`<${KbArticlePage} key=${route.id} id=${route.id} user=${user} />`;
    case 'reports': return html`<${ReportsPage} user=${user} tab=${route.tab} query=${route.query} />`;
    case 'service-desk': return html`<${ServiceDeskPage} user=${user} tab=${route.tab} />`;
    default: return html`<${AccountPage} user=${user} />`;
  }
}

function Breadcrumbs({ route, user }) {
  const crumb = useCrumb();
  const section = {
    dashboard: 'Dashboard', devices: 'Devices', clients: 'Clients', client: 'Clients', users: 'Users', account: 'Account',
    audit: 'Audit log',
    channels: 'Notifications',
    maintenance: 'Maintenance', alerts: 'Alerts', rules: 'Rules', tickets: 'Tickets', kb: 'Knowledge base',
    reports: 'Reports', 'service-desk': 'Service desk',
  }[route.name] || '';
  if (route.name === 'ticket' || route.name === 'kb-article') {
    const [href, label] = route.name === 'ticket' ? ['#/tickets', 'Tickets'] : ['#/kb', 'Knowledge base'];
    return html`<ol class="crumbs">
      <li><a href=${href}>${label}</a></li>
      <li aria-current="page">${crumb || html`<${Spinner} />`}</li>
    </ol>`;
  }
  if (route.name === 'alert') {
    return html`<ol class="crumbs">
      <li><a href="#/alerts">Alerts</a></li>
      <li aria-current="page">${crumb || html`<${Spinner} />`}</li>
    </ol>`;
  }
  if (route.name === 'device') {
    return html`<ol class="crumbs">
      <li><a href="#/devices">Devices</a></li>
      <li aria-current="page">${crumb || html`<${Spinner} />`}</li>
    </ol>`;
  }
  if (route.name === 'client') {
    return html`<ol class="crumbs">
      ${isStaff(user) && html`<li><a href="#/clients">Clients</a></li>`}
      <li aria-current="page">${crumb || html`<${Spinner} />`}</li>
    </ol>`;
  }
  return html`<ol class="crumbs"><li aria-current="page">${section}</li></ol>`;
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
