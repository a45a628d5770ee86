// Owns: the Account page (#/account), for every role: the user's profile, changing their
// password, the second factor (an authenticator app, recovery codes shown once; passkeys), the sessions
// they are logged in with (log one out, or all others), and API keys (create with an expiry,
// shown once; revoke; an admin sees and revokes everyone's). When the organisation requires a
// second factor the user lacks, the page shows only what it takes to set one up.
import { html, useState, useEffect, useRef, useMemo, useCallback } from '../html.js';
import { api, path } from '../api.js';
import { useList, useTitle } from '../hooks.js';
import { usePageShortcut } from '../shortcuts.js';
import { Icon } from '../components/icons.js';
import { Dialog, ConfirmDialog } from '../components/dialog.js';
import { DataTable, LoadMore } from '../components/table.js';
import { Field, Time, Empty, Loading, LoadError, PageHead, SubmitButton, RoleBadge, CopyBox, Spinner } from '../components/ui.js';
import { notify } from '../components/toast.js';
import { useForm, FormError } from '../components/form.js';
import { userClientName, plural, MIN_PASSWORD, PASSWORD_HINT } from '../format.js';
import { createPasskey, passkeysSupported } from '../passkey.js';

export function AccountPage({ user, mfaSetup = false, onMfaChanged = () => {} }) {
  useTitle('Account');
  // Bumped when the password changes: the server ended the other sessions and revoked the keys.
  const [epoch, setEpoch] = useState(0);
  if (mfaSetup) {
    return html`<section class="page">
      <${PageHead} title="Account" sub="Set up a second factor to start using Steward." />
      <p class="warning" id="mfa-setup-banner" role="alert"><${Icon} name="shield" />
        Your organisation requires a second factor: set up an authenticator app to continue.</p>
      <div class="grid-2">
        <${TwoFactor} user=${user} locked onChanged=${onMfaChanged} />
        <${Profile} user=${user} />
      </div>
    </section>`;
  }
  return html`<section class="page">
    <${PageHead} title="Account" sub="Your profile, your password, two-factor authentication, your sessions and the API keys that act as you." />
    <div class="grid-2">
      <div class="account-col">
        <${Profile} user=${user} />
        <${TwoFactor} user=${user} onChanged=${onMfaChanged} />
      </div>
      <${PasswordForm} user=${user} onChanged=${() => setEpoch((n) => n + 1)} />
    </div>
    <${Sessions} epoch=${epoch} />
    <${ApiKeys} me=${user} epoch=${epoch} />
  </section>`;
}

function Profile({ user }) {
  const client = userClientName(user);
  return html`<div class="card">
    <div class="card-head"><h2>Profile</h2></div>
    <dl class="props" id="profile">
      <dt>Login</dt><dd>${user.login}</dd>
      ${user.email && user.email !== user.login && html`<dt>E-mail</dt><dd>${user.email}</dd>`}
      <dt>Name</dt><dd>${user.name || html`<span class="muted">—</span>`}</dd>
      <dt>Role</dt><dd><${RoleBadge} role=${user.role} /></dd>
      ${client && html`<dt>Client</dt><dd>${client}</dd>`}
      <dt>Two-factor</dt><dd id="profile-mfa">${user.mfa_enabled
        ? html`<span class="badge badge-on">On</span>` : html`<span class="badge badge-off">Off</span>`}</dd>
      <dt>Last login</dt><dd><${Time} value=${user.last_login_at} empty="Never" /></dd>
      <dt>Member since</dt><dd><${Time} value=${user.created_at} /></dd>
    </dl>
    <p class="card-note">${user.role === 'admin'
      ? html`Change names and roles under <a href="#/users">Users</a>.`
      : 'Ask an admin to change your name, e-mail or role.'}</p>
  </div>`;
}

function PasswordForm({ user, onChanged }) {
  const empty = { current: '', next: '', confirm: '' };
  const [form, setForm] = useState(empty);
  const save = useForm({ fields: ['current', 'next'], rename: { current_password: 'current', new_password: 'next' } });
  const { errors, busy } = save;
  const set = (k) => (e) => setForm((f) => ({ ...f, [k]: e.target.value }));

  const submit = save.onSubmit({
    check: () => {
      const errs = {};
      if (!form.current) errs.current = 'Enter your current password.';
      if (!form.next) errs.next = 'Enter a new password.';
      else if ([...form.next].length < MIN_PASSWORD) errs.next = `The password must be at least ${MIN_PASSWORD} characters long.`;
      else if (form.next !== form.confirm) errs.confirm = 'The two new passwords differ.';
      return errs;
    },
    send: async () => {
      await api.post('/api/v1/me/password', { current_password: form.current, new_password: form.next });
      setForm(empty);
      notify.ok('Password changed. Your other sessions were logged out and your API keys revoked.');
      onChanged();
    },
  });

  return html`<form class="card card-form" id="password-form" onSubmit=${submit} novalidate>
    <div class="card-head"><h2>Change password</h2></div>
    <input type="text" class="sr-only" autocomplete="username" value=${user.login} tabindex="-1" aria-hidden="true" readonly />
    <${Field} label="Current password" id="current-password" error=${errors.current}>
      <input id="current-password" type="password" class="input" autocomplete="current-password"
        value=${form.current} onInput=${set('current')} aria-invalid=${errors.current ? 'true' : 'false'} />
    <//>
    <${Field} label="New password" id="new-password" error=${errors.next} hint=${`${PASSWORD_HINT} A long passphrase is best.`}>
      <input id="new-password" type="password" class="input" autocomplete="new-password"
        value=${form.next} onInput=${set('next')} aria-invalid=${errors.next ? 'true' : 'false'} />
    <//>
    <${Field} label="Repeat new password" id="confirm-password" error=${errors.confirm}>
      <input id="confirm-password" type="password" class="input" autocomplete="new-password"
        value=${form.confirm} onInput=${set('confirm')} aria-invalid=${errors.confirm ? 'true' : 'false'} />
    <//>
    <${FormError} id="password-error" message=${errors.form} />
    <p class="card-note" id="password-effects">Changing it logs you out of every other session and revokes your API keys.</p>
    <div class="form-actions">
      <${SubmitButton} id="change-password" busy=${busy} label="Change password" busyLabel="Changing…" />
    </div>
  </form>`;
}

// ---------- two-factor authentication ----------

/** Few enough recovery codes left that it is time to make new ones. */
const FEW_CODES = 3;

/**
 * The second factor: off (set up an app), or on (since when, recovery codes left, new codes,
 * turn off). `locked`: the organisation requires one and the user has none yet. `onChanged`
 * re-reads the user (the app lets a locked user go once a factor is on).
 */
function TwoFactor({ user, locked = false, onChanged }) {
  const [state, setState] = useState({ loading: true, status: null, error: '' });
  const [dialog, setDialog] = useState(null); // 'setup' | 'disable' | 'regenerate'
  const [codes, setCodes] = useState(null); // {codes, enabling}: recovery codes, shown once
  const load = useCallback(() => api.get('/api/v1/me/mfa')
    .then((status) => setState({ loading: false, status, error: '' }))
    .catch((e) => setState((s) => ({ ...s, loading: false, error: e.message }))), []);
  useEffect(() => { load(); }, [load]);

  const s = state.status;
  const close = () => setDialog(null);
  const showCodes = (list, enabling) => { setDialog(null); setCodes({ codes: list, enabling }); load(); };
  const codesSaved = () => {
    const enabling = codes.enabling;
    setCodes(null);
    if (enabling) {
      notify.ok('Two-factor authentication is on. From now on, logging in asks for a code from your app.');
      onChanged();
    }
  };

  let body;
  if (state.loading && !s) body = html`<${Loading} />`;
  else if (state.error && !s) body = html`<${LoadError} message=${state.error} onRetry=${load} />`;
  else if (!s.totp_enabled) {
    body = html`<p class="mfa-state" id="mfa-state" data-enabled="false">
        <span class="badge badge-off">Off</span>
        ${s.required && html`<span class="badge badge-role-client">Required</span>`}
      </p>
      <p class="mfa-text">With an authenticator app on your phone, logging in takes your password and a 6-digit
        code that changes every 30 seconds, so a stolen password alone is not enough.</p>
      <div class="form-actions">
        <button type="button" class="btn btn-primary" id="mfa-setup" onClick=${() => setDialog('setup')}>
          <${Icon} name="shield" />Set up authenticator app</button>
      </div>`;
  } else {
    const left = s.recovery_codes_left;
    body = html`<p class="mfa-state" id="mfa-state" data-enabled="true">
        <span class="badge badge-on">On</span>
        <span class="muted">Authenticator app, set up <${Time} value=${s.enabled_at} /></span>
      </p>
      ${left <= FEW_CODES
        ? html`<p class="warning" id="mfa-codes-left" data-left=${left} role="status"><${Icon} name="alert" />
            ${left === 0 ? 'No recovery codes left' : `Only ${plural(left, 'recovery code')} left`}: make new ones
            so a lost phone does not lock you out.</p>`
        : html`<p class="mfa-text" id="mfa-codes-left" data-left=${left}>${plural(left, 'recovery code')} left. Each one logs
            you in once when your phone is not at hand.</p>`}
      ${s.required && html`<p class="card-note" id="mfa-required-note">Your organisation requires a second factor, so it
        cannot be turned off; ask an admin to reset it if you change phones.</p>`}
      <div class="form-actions">
        <button type="button" class="btn" id="mfa-new-codes" onClick=${() => setDialog('regenerate')}>
          <${Icon} name="key" />New recovery codes</button>
        ${!s.required && html`<button type="button" class="btn btn-danger-ghost" id="mfa-disable"
          onClick=${() => setDialog('disable')}>Turn off</button>`}
      </div>`;
  }

  return html`<section class=${locked ? 'card mfa-card mfa-card-locked' : 'card mfa-card'} id="mfa-card" aria-labelledby="mfa-title">
    <div class="card-head"><h2 id="mfa-title">Two-factor authentication</h2></div>
    ${body}
    <${Passkeys} user=${user} required=${!!(s && s.required)} totpOn=${!!(s && s.totp_enabled)}
      onChanged=${() => { load(); onChanged(); }} />
    ${dialog === 'setup' && html`<${SetupDialog} user=${user} onClose=${close} onEnabled=${(list) => showCodes(list, true)} />`}
    ${dialog === 'regenerate' && html`<${RegenerateDialog} onClose=${close} onMade=${(list) => showCodes(list, false)} />`}
    ${dialog === 'disable' && html`<${DisableDialog} user=${user} onClose=${close} onDisabled=${() => {
      close();
      notify.ok('Two-factor authentication is off. Logging in now takes your password only.');
      load();
      onChanged();
    }} />`}
    ${codes && html`<${RecoveryCodesDialog} codes=${codes.codes} user=${user} onClose=${codesSaved} />`}
  </section>`;
}

// ---------- passkeys ----------

/**
 * The user's passkeys (name, added, last used), "Add a passkey" (name and password, then the
 * browser's own passkey prompt) and remove. `onChanged`: a second factor may have come or gone.
 */
function Passkeys({ user, required, totpOn, onChanged }) {
  const [state, setState] = useState({ loading: true, items: [], error: '' });
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState(null);
  const load = useCallback(() => api.get('/api/v1/me/mfa/passkeys')
    .then((page) => setState({ loading: false, items: page.items, error: '' }))
    .catch((e) => setState((s) => ({ ...s, loading: false, error: e.message }))), []);
  useEffect(() => { load(); }, [load]);

  const added = (key) => {
    setAdding(false);
    notify.ok(`Passkey “${key.name}” added. Logging in can now finish with it instead of a code.`);
    load();
    onChanged();
  };
  const remove = async (key) => {
    await api.del(path`/api/v1/me/mfa/passkeys/${key.id}`);
    notify.ok(`Passkey “${key.name}” removed.`);
    load();
    onChanged();
  };
  const last = state.items.length === 1 && required && !totpOn;

  return html`<div class="passkeys" id="passkeys">
    <h3 class="passkeys-title">Passkeys</h3>
    <p class="mfa-text">Instead of a code, finish logging in with this device's screen lock, your phone or a
      security key. Passkeys work when Steward is opened at its own address, <code>${location.origin}</code>.</p>
    ${state.loading && !state.items.length ? html`<${Loading} />`
      : state.error ? html`<${LoadError} message=${state.error} onRetry=${load} />`
      : state.items.length === 0 ? html`<p class="muted" id="passkeys-empty">No passkeys yet.</p>`
      : html`<ul class="passkey-list" id="passkeys-list">
          ${state.items.map((k) => html`<li key=${k.id} data-passkey-id=${k.id}>
            <${Icon} name="key" />
            <span class="passkey-name">${k.name}</span>
            <span class="muted passkey-when">added <${Time} value=${k.created_at} />,
              ${k.last_used_at ? html`last used <${Time} value=${k.last_used_at} />` : 'not used yet'}</span>
            <button type="button" class="btn btn-sm btn-danger-ghost passkey-remove" disabled=${last}
              title=${last ? 'Your organisation requires a second factor: add another one first' : ''}
              onClick=${() => setRemoving(k)}>Remove</button>
          </li>`)}
        </ul>`}
    <div class="form-actions">
      ${passkeysSupported()
        ? html`<button type="button" class="btn" id="passkey-add" onClick=${() => setAdding(true)}>
            <${Icon} name="key" />Add a passkey</button>`
        : html`<p class="muted" id="passkeys-unsupported">This browser cannot make passkeys here (they need HTTPS
            and the server's own address).</p>`}
    </div>
    ${adding && html`<${AddPasskeyDialog} user=${user} onClose=${() => setAdding(false)} onAdded=${added} />`}
    ${removing && html`<${ConfirmDialog} title=${`Remove passkey “${removing.name}”?`}
      message="Logging in stops accepting it. The device may still list it; remove it there too."
      confirmLabel="Remove passkey" onClose=${() => setRemoving(null)} onConfirm=${() => remove(removing)} />`}
  </div>`;
}

function AddPasskeyDialog({ user, onClose, onAdded }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const save = useForm({ fields: ['name', 'password'], rename: { current_password: 'password' } });
  const { errors, busy } = save;
  const submit = save.onSubmit({
    check: () => {
      const wrong = {};
      if (!name.trim()) wrong.name = 'Name it after the device or key, say “Work laptop”.';
      if (!password) wrong.password = 'Enter your password.';
      return wrong;
    },
    send: async () => {
      const options = await api.post('/api/v1/me/mfa/passkeys/register/start', { current_password: password, name: name.trim() });
      const credential = await createPasskey(options);
      onAdded(await api.post('/api/v1/me/mfa/passkeys/register/finish', { credential }));
    },
  });
  return html`<${Dialog} id="passkey-dialog" title="Add a passkey" onClose=${onClose}>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <input type="text" class="sr-only" autocomplete="username" value=${user.login} tabindex="-1" aria-hidden="true" readonly />
        <${Field} label="Name" id="passkey-name" error=${errors.name} hint="Which device or key it is, for the list.">
          <input id="passkey-name" class="input" autofocus maxlength="60" placeholder="Work laptop" value=${name}
            aria-invalid=${errors.name ? 'true' : 'false'} onInput=${(e) => setName(e.target.value)} />
        <//>
        <${Field} label="Your password" id="passkey-password" error=${errors.password}>
          <input id="passkey-password" type="password" class="input" autocomplete="current-password" value=${password}
            aria-invalid=${errors.password ? 'true' : 'false'} onInput=${(e) => setPassword(e.target.value)} />
        <//>
        <${FormError} id="passkey-error" message=${errors.form} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="passkey-submit" busy=${busy} label="Continue" busyLabel="Waiting for the passkey…" />
      </div>
    </form>
  <//>`;
}

/** The password check that both setting up and turning off start with. */
function PasswordStep({ user, id, hint, submitLabel, busyLabel, kind = 'primary', onSubmit, onClose }) {
  const [password, setPassword] = useState('');
  const save = useForm({ fields: ['password'], rename: { current_password: 'password' } });
  const { errors, busy } = save;
  const submit = save.onSubmit({
    check: () => (password ? {} : { password: 'Enter your password.' }),
    send: () => onSubmit(password),
  });
  return html`<form class="dialog-form" onSubmit=${submit} novalidate>
    <div class="dialog-body">
      <input type="text" class="sr-only" autocomplete="username" value=${user.login} tabindex="-1" aria-hidden="true" readonly />
      <${Field} label="Your password" id=${id} error=${errors.password} hint=${hint}>
        <input id=${id} type="password" class="input" autofocus autocomplete="current-password" value=${password}
          aria-invalid=${errors.password ? 'true' : 'false'} onInput=${(e) => setPassword(e.target.value)} />
      <//>
      <${FormError} id=${`${id}-form-error`} message=${errors.form} />
    </div>
    <div class="dialog-foot">
      <button type="button" class="btn" onClick=${onClose}>Cancel</button>
      <${SubmitButton} id=${`${id}-submit`} kind=${kind} busy=${busy} label=${submitLabel} busyLabel=${busyLabel} />
    </div>
  </form>`;
}

/** "ABCD EFGH IJKL …": the secret in groups of four, easier to type into an app by hand. */
const grouped = (secret) => secret.replace(/(.{4})(?=.)/g, '$1 ');

function SetupDialog({ user, onClose, onEnabled }) {
  const [setup, setSetup] = useState(null); // {secret, otpauth_uri, qr_code}
  const [code, setCode] = useState('');
  const save = useForm({ fields: ['code'] });
  const { errors, busy } = save;
  const [copied, setCopied] = useState(false);
  // The dialog is open already when the code field appears, so autofocus would not apply.
  const codeInput = useRef(null);
  useEffect(() => { if (setup && codeInput.current) codeInput.current.focus(); }, [setup]);

  const begin = async (password) => {
    setSetup(await api.post('/api/v1/me/mfa/totp', { current_password: password }));
  };
  const typed = code.replace(/\s+/g, '');
  const confirm = save.onSubmit({
    check: () => (/^\d{6}$/.test(typed) ? {} : { code: 'Enter the 6 digits your app shows for Steward.' }),
    send: async () => {
      const r = await api.post('/api/v1/me/mfa/totp/confirm', { code: typed });
      onEnabled(r.recovery_codes);
    },
  });
  const copySecret = async () => {
    try { await navigator.clipboard.writeText(setup.secret); setCopied(true); setTimeout(() => setCopied(false), 2000); } catch {
      notify.error('The browser did not allow copying; select the key and copy it by hand.');
    }
  };

  if (!setup) {
    return html`<${Dialog} id="mfa-dialog" title="Set up an authenticator app" onClose=${onClose}>
      <${PasswordStep} user=${user} id="mfa-password" submitLabel="Continue" busyLabel="Checking…"
        hint="Confirm it is you before changing how you log in." onSubmit=${begin} onClose=${onClose} />
    <//>`;
  }
  return html`<${Dialog} id="mfa-dialog" title="Set up an authenticator app" onClose=${onClose} wide>
    <form class="dialog-form" onSubmit=${confirm} novalidate>
      <div class="dialog-body">
        <ol class="mfa-steps">
          <li>
            <p>Scan this code with an authenticator app (for example Aegis, Google Authenticator, Microsoft
              Authenticator or your password manager).</p>
            <div class="mfa-scan">
              <img class="mfa-qr" id="mfa-qr" src=${setup.qr_code} width="176" height="176"
                alt="QR code that adds Steward to an authenticator app" />
              <div class="mfa-manual">
                <p class="field-hint">No camera? Type this key into the app (time-based, 6 digits):</p>
                <code class="mfa-secret" id="mfa-secret" data-secret=${setup.secret}>${grouped(setup.secret)}</code>
                <button type="button" class="btn btn-sm" id="mfa-secret-copy" onClick=${copySecret}>
                  <${Icon} name=${copied ? 'check' : 'copy'} />${copied ? 'Copied' : 'Copy key'}</button>
              </div>
            </div>
          </li>
          <li>
            <${Field} label="Enter the 6-digit code the app shows" id="mfa-confirm-code" error=${errors.code}>
              <input id="mfa-confirm-code" ref=${codeInput} class="input mono mfa-code-input" autocomplete="one-time-code"
                inputmode="numeric" maxlength="7" placeholder="123456" value=${code}
                aria-invalid=${errors.code ? 'true' : 'false'} onInput=${(e) => setCode(e.target.value)} />
            <//>
          </li>
        </ol>
        <${FormError} id="mfa-confirm-error" message=${errors.form} />
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="mfa-confirm-submit" busy=${busy} label="Turn on" busyLabel="Checking…" />
      </div>
    </form>
  <//>`;
}

function RegenerateDialog({ onClose, onMade }) {
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    const typed = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(typed)) { setError('Enter the 6 digits your app shows for Steward.'); return; }
    setError('');
    setBusy(true);
    try {
      onMade((await api.post('/api/v1/me/mfa/recovery-codes', { code: typed })).recovery_codes);
    } catch (err) {
      setBusy(false);
      setError(err.message);
    }
  };
  return html`<${Dialog} id="mfa-codes-dialog" title="New recovery codes" onClose=${onClose}>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <p class="confirm-text">Your current recovery codes stop working, and ten new ones are shown once.</p>
        <${Field} label="Code from your authenticator app" id="mfa-regenerate-code" error=${error}>
          <input id="mfa-regenerate-code" class="input mono mfa-code-input" autofocus autocomplete="one-time-code"
            inputmode="numeric" maxlength="7" placeholder="123456" value=${code}
            aria-invalid=${error ? 'true' : 'false'} onInput=${(e) => setCode(e.target.value)} />
        <//>
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="mfa-regenerate-submit" busy=${busy} label="Make new codes" busyLabel="Making…" />
      </div>
    </form>
  <//>`;
}

function DisableDialog({ user, onClose, onDisabled }) {
  const submit = async (password) => {
    await api.post('/api/v1/me/mfa/totp/disable', { current_password: password });
    onDisabled();
  };
  return html`<${Dialog} id="mfa-disable-dialog" title="Turn off two-factor authentication?" onClose=${onClose}>
    <${PasswordStep} user=${user} id="mfa-disable-password" kind="danger" submitLabel="Turn off" busyLabel="Turning off…"
      hint="Logging in will take your password only; your recovery codes stop working." onSubmit=${submit} onClose=${onClose} />
  <//>`;
}

/** The recovery codes, shown this once: copy, download as a text file, or write them down. */
function RecoveryCodesDialog({ codes, user, onClose }) {
  const list = useRef(null);
  const [copied, setCopied] = useState(false);
  const text = useMemo(() => [
    `Steward recovery codes for ${user.login} (${location.host})`,
    `Made ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Each code logs you in once.`,
    '',
    ...codes,
    '',
  ].join('\n'), [codes]);
  // A Blob URL download works under the CSP (no data is put into the page as markup).
  const href = useMemo(() => URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' })), [text]);
  useEffect(() => () => URL.revokeObjectURL(href), [href]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
    } catch {
      // Plain http outside localhost has no clipboard API: select the list and copy it the old way.
      const range = document.createRange();
      range.selectNodeContents(list.current);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      document.execCommand('copy');
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };

  return html`<${Dialog} id="recovery-codes-dialog" title="Save your recovery codes" onClose=${onClose} wide>
    <div class="dialog-body">
      <p class="warning" role="alert"><${Icon} name="alert" />
        These codes are shown only now. Each one logs you in once when your phone is lost or not at hand:
        keep them somewhere safe, such as your password manager.</p>
      <ol class="recovery-codes" id="recovery-codes" ref=${list}>
        ${codes.map((c) => html`<li key=${c}><code>${c}</code></li>`)}
      </ol>
      <div class="recovery-actions">
        <button type="button" class="btn" id="recovery-codes-copy" onClick=${copy}>
          <${Icon} name=${copied ? 'check' : 'copy'} />${copied ? 'Copied' : 'Copy'}</button>
        <a class="btn" id="recovery-codes-download" href=${href} download="steward-recovery-codes.txt">
          <${Icon} name="list" />Download .txt</a>
      </div>
    </div>
    <div class="dialog-foot">
      <button type="button" class="btn btn-primary" id="recovery-codes-done" onClick=${onClose}>I have saved them</button>
    </div>
  <//>`;
}

// ---------- sessions ----------

/** "Chrome on Windows", "Firefox on Linux", "Safari on iOS" from a User-Agent header, or ''. */
export function browserLabel(ua) {
  if (!ua) return '';
  const browser = /Edg(e|A|iOS)?\//.test(ua) ? 'Edge'
    : /OPR\/|Opera/.test(ua) ? 'Opera'
      : /Firefox\/|FxiOS\//.test(ua) ? 'Firefox'
        : /HeadlessChrome\//.test(ua) ? 'Chrome (headless)'
          : /Chrom(e|ium)\/|CriOS\//.test(ua) ? 'Chrome'
            : /Version\/[\d.]+.*Safari\//.test(ua) ? 'Safari'
              : /^curl\//.test(ua) ? 'curl'
                : ua.split(/[\s/]/)[0];
  const os = /Windows/.test(ua) ? 'Windows'
    : /iPhone|iPad|iPod/.test(ua) ? 'iOS'
      : /Mac OS X|Macintosh/.test(ua) ? 'macOS'
        : /Android/.test(ua) ? 'Android'
          : /CrOS/.test(ua) ? 'ChromeOS'
            : /Linux|X11/.test(ua) ? 'Linux' : '';
  return os ? `${browser} on ${os}` : browser;
}

function Sessions({ epoch }) {
  const list = useList('/api/v1/me/sessions');
  useEffect(() => { if (epoch) list.reload(); }, [epoch]);
  const [confirming, setConfirming] = useState(false);
  const [ending, setEnding] = useState(null);

  const end = async (s) => {
    setEnding(s.id);
    try {
      await api.del(path`/api/v1/me/sessions/${s.id}`);
      notify.ok(`${browserLabel(s.user_agent) || 'That session'} (${s.remote_addr || 'unknown address'}) is logged out.`);
    } catch (e) {
      notify.error(e.message);
    } finally {
      setEnding(null);
      list.reload();
    }
  };
  const endOthers = async () => {
    const r = await api.post('/api/v1/me/sessions/end-others');
    notify.ok(r.ended ? `${plural(r.ended, 'other session')} logged out.` : 'No other session was logged in.');
    list.reload();
  };

  const others = list.items.filter((s) => !s.current).length;
  const columns = [
    {
      key: 'browser', label: 'Browser', sort: (s) => browserLabel(s.user_agent),
      render: (s) => html`<span class="strong" title=${s.user_agent}>${browserLabel(s.user_agent) || html`<span class="muted">Unknown browser</span>`}</span>
        ${s.current && html` <span class="badge badge-on" id="this-session">This session</span>`}`,
    },
    { key: 'address', label: 'Address', width: '160', sort: (s) => s.remote_addr, render: (s) => (s.remote_addr ? html`<span class="mono-ish">${s.remote_addr}</span>` : html`<span class="muted">—</span>`) },
    { key: 'seen', label: 'Last active', width: '130', sort: (s) => s.last_seen_at, render: (s) => html`<${Time} value=${s.last_seen_at} />` },
    { key: 'created', label: 'Logged in', width: '130', minor: true, sort: (s) => s.created_at, render: (s) => html`<${Time} value=${s.created_at} />` },
    { key: 'expires', label: 'Expires', width: '130', minor: true, sort: (s) => s.expires_at, render: (s) => html`<${Time} value=${s.expires_at} />` },
    {
      key: 'actions', label: html`<span class="sr-only">Actions</span>`, width: '110', class: 'actions',
      render: (s) => (s.current ? null : html`<button type="button" class="btn btn-sm btn-danger-ghost" data-action="end-session"
          disabled=${ending === s.id} aria-label=${`Log out ${browserLabel(s.user_agent) || 'the session'} from ${s.remote_addr}`}
          onClick=${() => end(s)}>${ending === s.id && html`<${Spinner} />`}Log out</button>`),
    },
  ];

  return html`<div class="section-head">
      <div>
        <h2>Sessions</h2>
        <p class="section-sub">Where you are logged in. A session ends by itself when unused for a while.</p>
      </div>
      <button type="button" class="btn" id="end-other-sessions" disabled=${!others}
        onClick=${() => setConfirming(true)}><${Icon} name="logout" />Log out everywhere else</button>
    </div>
    ${list.error && html`<${LoadError} message=${list.error} onRetry=${list.reload} />`}
    <${DataTable} id="sessions-table" label="Sessions" columns=${columns} rows=${list.items} loading=${list.loading}
      rowAttrs=${(s) => ({ 'data-session-id': s.id, 'data-current': s.current ? 'true' : undefined })}
      empty=${html`<${Empty} icon="account" title="No sessions.">You are using an API key, not a browser session.<//>`} />
    ${confirming && html`<${ConfirmDialog} title="Log out everywhere else?"
      message=${`${plural(others, 'other session')} of yours ${others === 1 ? 'is' : 'are'} logged out at once; this browser stays logged in.`}
      confirmLabel="Log out other sessions" onClose=${() => setConfirming(false)} onConfirm=${endOthers} />`}`;
}

// ---------- API keys ----------

function ApiKeys({ me, epoch }) {
  const list = useList('/api/v1/api-keys');
  useEffect(() => { if (epoch) list.reload(); }, [epoch]);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState(null);
  usePageShortcut('n', () => setCreating(true));

  const revoke = async (key) => {
    await api.del(path`/api/v1/api-keys/${key.id}`);
    notify.ok(key.user_id === me.id ? `API key “${key.name}” revoked.` : `${key.user}’s API key “${key.name}” revoked.`);
    list.reload();
  };

  // An admin's list holds everyone's keys; then whose key it is matters.
  const showOwner = list.items.some((k) => k.user_id !== me.id);
  const columns = [
    {
      key: 'name', label: 'Name', sort: (k) => k.name,
      render: (k) => html`<span class="strong">${k.name}</span>${k.expired && html` <span class="badge badge-expired">Expired</span>`}`,
    },
    showOwner && {
      key: 'owner', label: 'Owner', width: '160', sort: (k) => k.user,
      render: (k) => (k.user_id === me.id ? html`${k.user} <span class="tag">you</span>` : k.user),
    },
    { key: 'prefix', label: 'Key', width: '200', render: (k) => html`<code class="key-prefix">${k.prefix}…</code>` },
    { key: 'created', label: 'Created', width: '130', minor: true, sort: (k) => k.created_at, render: (k) => html`<${Time} value=${k.created_at} />` },
    { key: 'used', label: 'Last used', width: '130', sort: (k) => k.last_used_at, render: (k) => html`<${Time} value=${k.last_used_at} empty="Never" />` },
    { key: 'expires', label: 'Expires', width: '130', sort: (k) => k.expires_at || '9999', render: (k) => html`<${Time} value=${k.expires_at} empty="Never" />` },
    {
      key: 'actions', label: html`<span class="sr-only">Actions</span>`, width: '100', class: 'actions',
      render: (k) => html`<button type="button" class="btn btn-sm btn-danger-ghost" data-action="revoke"
        aria-label=${`Revoke API key ${k.name}`} onClick=${() => setRevoking(k)}>Revoke</button>`,
    },
  ].filter(Boolean);

  return html`<div class="section-head">
      <div>
        <h2>API keys</h2>
        <p class="section-sub">For scripts and integrations. A key acts with its owner’s permissions${me.role === 'admin'
          ? '; as an admin you see, and may revoke, everyone’s keys' : ''}.</p>
      </div>
      <button type="button" class="btn btn-primary" id="create-api-key" title="Create API key (n)"
        onClick=${() => setCreating(true)}><${Icon} name="key" />Create API key</button>
    </div>
    ${list.error && html`<${LoadError} message=${list.error} onRetry=${list.reload} />`}
    <${DataTable} id="api-keys-table" label="API keys" columns=${columns} rows=${list.items} loading=${list.loading}
      rowAttrs=${(k) => ({ 'data-api-key-id': k.id, 'data-expired': k.expired ? 'true' : undefined, class: k.expired ? 'row-muted' : '' })}
      empty=${html`<${Empty} icon="key" title="No API keys yet.">Create one with “Create API key” when a script needs to call Steward.<//>`} />
    <${LoadMore} list=${list} />
    ${creating && html`<${CreateKeyDialog} onClose=${() => setCreating(false)} onCreated=${list.reload} />`}
    ${revoking && html`<${ConfirmDialog} title=${`Revoke “${revoking.name}”?`}
      message=${`Anything using ${revoking.user_id === me.id ? 'this key' : `${revoking.user}’s key`} stops working at once. This cannot be undone.`}
      confirmLabel="Revoke key" onClose=${() => setRevoking(null)} onConfirm=${() => revoke(revoking)} />`}`;
}

const DAY_MS = 86400e3;
const EXPIRY_CHOICES = [['never', 'Never'], ['30', 'In 30 days'], ['90', 'In 90 days'], ['365', 'In 1 year'], ['date', 'On a date…']];
/** A local calendar day, "2026-12-03", `days` from today. */
const localDay = (days) => {
  const d = new Date(Date.now() + days * DAY_MS);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

/** The chosen expiry as RFC 3339 (a date means the end of that local day), null for never, '' when incomplete. */
function expiresAt(choice, date) {
  if (choice === 'never') return null;
  if (choice === 'date') return /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T23:59:59`).toISOString() : '';
  return new Date(Date.now() + Number(choice) * DAY_MS).toISOString();
}

function CreateKeyDialog({ onClose, onCreated }) {
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState('90');
  const [date, setDate] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState({});
  const [created, setCreated] = useState(null);

  const submit = async (e) => {
    e.preventDefault();
    const errs = {};
    if (!name.trim()) errs.name = 'Name the key after what will use it, e.g. “Backup report script”.';
    const expires = expiresAt(expiry, date);
    if (expires === '') errs.expires_at = 'Pick the day the key stops working.';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      setCreated(await api.post('/api/v1/api-keys', { name: name.trim(), expires_at: expires }));
      onCreated();
    } catch (err) {
      const field = err.detail && err.detail.field;
      setErrors(field === 'expires_at' ? { expires_at: err.message } : { name: err.message });
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return html`<${Dialog} id="api-key-dialog" title="API key created" onClose=${onClose} wide>
      <div class="dialog-body">
        <p class="warning" role="alert"><${Icon} name="alert" />
          Copy this key now and store it somewhere safe. It will not be shown again.</p>
        <${CopyBox} id="api-key-value" value=${created.key} />
        <p class="field-hint">Key “${created.name}”, created <${Time} value=${created.created_at} />;
          ${created.expires_at ? html` it stops working <${Time} value=${created.expires_at} />.` : ' it does not expire.'}</p>
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn btn-primary" id="api-key-done" onClick=${onClose}>I have copied it</button>
      </div>
    <//>`;
  }

  return html`<${Dialog} id="api-key-dialog" title="Create API key" onClose=${onClose}>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <${Field} label="Name" id="api-key-name" error=${errors.name} hint="What will use the key, so you know which one to revoke later.">
          <input id="api-key-name" class="input" autofocus maxlength="100" value=${name}
            aria-invalid=${errors.name ? 'true' : 'false'} onInput=${(e) => setName(e.target.value)} />
        <//>
        <${Field} label="Expires" id="api-key-expires" error=${errors.expires_at}
            hint="A key that expires cannot be forgotten in a script for ever.">
          <div class="input-group">
            <select id="api-key-expires" class="input" value=${expiry} onChange=${(e) => setExpiry(e.target.value)}>
              ${EXPIRY_CHOICES.map(([v, label]) => html`<option key=${v} value=${v}>${label}</option>`)}
            </select>
            ${expiry === 'date' && html`<input id="api-key-expires-date" type="date" class="input" aria-label="Expiry date"
              min=${localDay(1)} max=${localDay(5 * 365)} value=${date} aria-invalid=${errors.expires_at ? 'true' : 'false'}
              onChange=${(e) => setDate(e.target.value)} />`}
          </div>
        <//>
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="api-key-submit" busy=${busy} label="Create key" busyLabel="Creating…" />
      </div>
    </form>
  <//>`;
}
