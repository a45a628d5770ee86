// Owns: the login page. Posts the credentials to /auth/login and hands the answer (user and
// CSRF token) to the app; shows the server's sentence on failure (wrong password, throttled).
import { html, useState, useRef, useEffect } from '../html.js';
import { api } from '../api.js';
import { useTitle } from '../hooks.js';
import { Logo, Icon } from '../components/icons.js';
import { Field, SubmitButton } from '../components/ui.js';

export function LoginPage({ onLoggedIn, notice, version }) {
  useTitle('Log in');
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const passwordInput = useRef(null);
  const loginInput = useRef(null);
  // autofocus is only honoured on page load, and this page also appears after a logout.
  useEffect(() => { if (loginInput.current) loginInput.current.focus(); }, []);

  const submit = async (e) => {
    e.preventDefault();
    if (busy) return;
    if (!login.trim() || !password) {
      setError(!login.trim() ? 'Enter your login or e-mail address.' : 'Enter your password.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      const data = await api.post('/auth/login', { login: login.trim(), password });
      onLoggedIn(data);
    } catch (err) {
      setBusy(false);
      setError(err.message);
      if (passwordInput.current) passwordInput.current.select();
    }
  };

  return html`<div class="login-page">
    <div class="login-card">
      <div class="login-brand"><${Logo} size=${34} /><span>Steward</span></div>
      <h1>Log in</h1>
      <p class="login-lead">Monitoring and service desk for your clients.</p>
      ${notice && html`<p class="notice" role="status"><${Icon} name="clock" />${notice}</p>`}
      <form id="login-form" onSubmit=${submit} novalidate>
        <${Field} label="Login or e-mail" id="login">
          <input id="login" name="login" class="input" autocomplete="username" autocapitalize="none"
            spellcheck="false" ref=${loginInput} value=${login} onInput=${(e) => setLogin(e.target.value)} />
        <//>
        <${Field} label="Password" id="password">
          <input id="password" name="password" type="password" class="input" autocomplete="current-password"
            ref=${passwordInput} value=${password} onInput=${(e) => setPassword(e.target.value)} />
        <//>
        ${error && html`<p id="login-error" class="form-error" role="alert"><${Icon} name="alert" />${error}</p>`}
        <${SubmitButton} id="login-submit" busy=${busy} label="Log in" busyLabel="Logging in…" />
      </form>
    </div>
    <p class="login-foot">Steward${version && ` ${version}`}</p>
  </div>`;
}
