// Owns: the login page. Posts the credentials to /auth/login; when the user has a second factor,
// asks in the same card for the authenticator's code (or a recovery code) and posts it to
// /auth/login/mfa, or, for a user with passkeys, offers "Use a passkey" (/auth/login/passkey/*).
// Hands the answer (user and CSRF token) to the app; shows the server's sentence
// on failure (wrong password, wrong code, throttled).
import { html, useState, useRef, useEffect } from '../html.js';
import { api } from '../api.js';
import { useTitle } from '../hooks.js';
import { Logo, Icon } from '../components/icons.js';
import { Field, SubmitButton } from '../components/ui.js';
import { getPasskey, passkeysSupported } from '../passkey.js';

export function LoginPage({ onLoggedIn, notice, version }) {
  useTitle('Log in');
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  // The second step: the token /auth/login answered, while the user types a code.
  const [mfaToken, setMfaToken] = useState(null);
  // Which second factors the user has: 'totp', 'passkey'.
  const [methods, setMethods] = useState([]);
  const passwordInput = useRef(null);
  const loginInput = useRef(null);
  // autofocus is only honoured on page load, and this page also appears after a logout.
  // Back from the code step, the login is kept and the password is asked again.
  useEffect(() => {
    const el = mfaToken ? null : login ? passwordInput.current : loginInput.current;
    if (el) el.focus();
  }, [mfaToken]);

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
      if (data && data.mfa_required) {
        setBusy(false);
        setPassword('');
        setMethods(data.methods || ['totp']);
        setMfaToken(data.mfa_token);
        return;
      }
      onLoggedIn(data);
    } catch (err) {
      setBusy(false);
      setError(err.message);
      if (passwordInput.current) passwordInput.current.select();
    }
  };

  const back = (message = '') => {
    setMfaToken(null);
    setError(message);
  };

  return html`<div class="login-page">
    <div class="login-card">
      <div class="login-brand"><${Logo} size=${34} /><span>Steward</span></div>
      ${mfaToken
        ? html`<${CodeStep} token=${mfaToken} methods=${methods} login=${login.trim()} onLoggedIn=${onLoggedIn}
            onBack=${back} />`
        : html`<h1>Log in</h1>
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
      </form>`}
    </div>
    <p class="login-foot">Steward${version && ` ${version}`}</p>
  </div>`;
}

/**
 * The second step: six digits from the authenticator app, or one recovery code; or a passkey,
 * when the user has one (`methods` says which they have).
 */
function CodeStep({ token, methods, login, onLoggedIn, onBack }) {
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const [busy, setBusy] = useState(false);
  const [keyBusy, setKeyBusy] = useState(false);
  const [error, setError] = useState('');
  const input = useRef(null);
  useEffect(() => { if (input.current) input.current.focus(); }, [recovery]);
  const totp = methods.includes('totp');
  const passkey = methods.includes('passkey');

  const usePasskey = async () => {
    if (keyBusy) return;
    if (!passkeysSupported()) {
      setError('This browser cannot use passkeys here (they need HTTPS and the server\'s own address).');
      return;
    }
    setKeyBusy(true);
    setError('');
    try {
      const options = await api.post('/auth/login/passkey/start', { mfa_token: token });
      const credential = await getPasskey(options);
      onLoggedIn(await api.post('/auth/login/passkey/finish', { mfa_token: token, credential }));
    } catch (err) {
      setKeyBusy(false);
      if (err.status === 401 && /log in again/i.test(err.message)) { onBack(err.message); return; }
      setError(err.message);
    }
  };

  const passkeyButton = passkey && html`<button type="button" class=${totp ? 'btn btn-block' : 'btn btn-primary btn-block'}
    id="mfa-use-passkey" disabled=${keyBusy} onClick=${usePasskey}>
    <${Icon} name="key" />${keyBusy ? 'Waiting for the passkey…' : 'Use a passkey'}</button>`;

  if (!totp) {
    return html`<h1>Two-step verification</h1>
      <p class="login-lead" id="mfa-lead">Confirm it is you with your passkey (this device's screen lock, a phone or a security key).</p>
      ${error && html`<p id="login-error" class="form-error" role="alert"><${Icon} name="alert" />${error}</p>`}
      ${passkeyButton}
      <div class="login-alt">
        <button type="button" class="btn-link" id="mfa-back" onClick=${() => onBack('')}>Back</button>
      </div>`;
  }

  const submit = async (e) => {
    e.preventDefault();
    if (busy) return;
    const typed = recovery ? code.trim() : code.replace(/\s+/g, '');
    if (!typed) {
      setError(recovery ? 'Enter one of your recovery codes.' : 'Enter the 6-digit code your authenticator app shows.');
      return;
    }
    if (!recovery && !/^\d{6}$/.test(typed)) {
      setError('The code has 6 digits. If you have no phone at hand, use a recovery code instead.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      onLoggedIn(await api.post('/auth/login/mfa', { mfa_token: token, code: typed }));
    } catch (err) {
      setBusy(false);
      // After too many wrong codes or five minutes the token is spent: start again with the password.
      if (err.status === 401 && /log in again/i.test(err.message)) { onBack(err.message); return; }
      setError(err.message);
      if (input.current) input.current.select();
    }
  };

  const switchKind = () => {
    setRecovery(!recovery);
    setCode('');
    setError('');
  };

  return html`<h1>Two-step verification</h1>
    <p class="login-lead" id="mfa-lead">${recovery
      ? 'Enter one of the recovery codes you saved when you set up two-factor authentication. Each code works once.'
      : 'Enter the 6-digit code from your authenticator app.'}</p>
    <form id="mfa-form" onSubmit=${submit} novalidate>
      <input type="text" class="sr-only" autocomplete="username" value=${login} tabindex="-1" aria-hidden="true" readonly />
      ${recovery
        ? html`<${Field} label="Recovery code" id="mfa-code">
            <input id="mfa-code" key="recovery" name="code" class="input mono" autocomplete="off" autocapitalize="none"
              spellcheck="false" placeholder="abcde-fghjk" maxlength="40" ref=${input} value=${code}
              onInput=${(e) => setCode(e.target.value)} />
          <//>`
        : html`<${Field} label="Code" id="mfa-code">
            <input id="mfa-code" key="totp" name="code" class="input mono login-code" autocomplete="one-time-code"
              inputmode="numeric" pattern="[0-9 ]*" maxlength="7" placeholder="123456" ref=${input} value=${code}
              onInput=${(e) => setCode(e.target.value)} />
          <//>`}
      ${error && html`<p id="login-error" class="form-error" role="alert"><${Icon} name="alert" />${error}</p>`}
      <${SubmitButton} id="mfa-submit" busy=${busy} label="Verify" busyLabel="Verifying…" />
      ${passkeyButton}
      <div class="login-alt">
        <button type="button" class="btn-link" id="mfa-back" onClick=${() => onBack('')}>Back</button>
        <button type="button" class="btn-link" id="mfa-use-recovery" onClick=${switchKind}>
          ${recovery ? 'Use the authenticator app instead' : 'Use a recovery code instead'}</button>
      </div>
    </form>`;
}
