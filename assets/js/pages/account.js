// Owns: the Account page (#/account), for every role: the user's profile, changing their
// password, and their API keys (create, shown once; revoke).
import { html, useState } from '../html.js';
import { api, path } from '../api.js';
import { useList, useTitle } from '../hooks.js';
import { usePageShortcut } from '../shortcuts.js';
import { Icon } from '../components/icons.js';
import { Dialog, ConfirmDialog } from '../components/dialog.js';
import { DataTable, LoadMore } from '../components/table.js';
import { Field, Time, Empty, LoadError, PageHead, SubmitButton, RoleBadge, CopyBox } from '../components/ui.js';
import { notify } from '../components/toast.js';
import { userClientName, MIN_PASSWORD } from '../format.js';

export function AccountPage({ user }) {
  useTitle('Account');
  return html`<section class="page">
    <${PageHead} title="Account" sub="Your profile, your password and the API keys that act as you." />
    <div class="grid-2">
      <${Profile} user=${user} />
      <${PasswordForm} user=${user} />
    </div>
    <${ApiKeys} />
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
      <dt>Last login</dt><dd><${Time} value=${user.last_login_at} empty="Never" /></dd>
      <dt>Member since</dt><dd><${Time} value=${user.created_at} /></dd>
    </dl>
    <p class="card-note">${user.role === 'admin'
      ? html`Change names and roles under <a href="#/users">Users</a>.`
      : 'Ask an admin to change your name, e-mail or role.'}</p>
  </div>`;
}

function PasswordForm({ user }) {
  const empty = { current: '', next: '', confirm: '' };
  const [form, setForm] = useState(empty);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState({});
  const set = (k) => (e) => setForm((f) => ({ ...f, [k]: e.target.value }));

  const submit = async (e) => {
    e.preventDefault();
    const errs = {};
    if (!form.current) errs.current = 'Enter your current password.';
    if (!form.next) errs.next = 'Enter a new password.';
    else if ([...form.next].length < MIN_PASSWORD) errs.next = `The password must be at least ${MIN_PASSWORD} characters long.`;
    else if (form.next !== form.confirm) errs.confirm = 'The two new passwords differ.';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      await api.post('/api/v1/me/password', { current_password: form.current, new_password: form.next });
      setForm(empty);
      notify.ok('Password changed. Your other sessions were logged out.');
    } catch (err) {
      const field = err.detail && err.detail.field;
      if (field === 'current_password') setErrors({ current: err.message });
      else if (field === 'new_password') setErrors({ next: err.message });
      else setErrors({ form: err.message });
    } finally {
      setBusy(false);
    }
  };

  return html`<form class="card card-form" id="password-form" onSubmit=${submit} novalidate>
    <div class="card-head"><h2>Change password</h2></div>
    <input type="text" class="sr-only" autocomplete="username" value=${user.login} tabindex="-1" aria-hidden="true" readonly />
    <${Field} label="Current password" id="current-password" error=${errors.current}>
      <input id="current-password" type="password" class="input" autocomplete="current-password"
        value=${form.current} onInput=${set('current')} aria-invalid=${errors.current ? 'true' : 'false'} />
    <//>
    <${Field} label="New password" id="new-password" error=${errors.next} hint="At least 10 characters; a long passphrase is best.">
      <input id="new-password" type="password" class="input" autocomplete="new-password"
        value=${form.next} onInput=${set('next')} aria-invalid=${errors.next ? 'true' : 'false'} />
    <//>
    <${Field} label="Repeat new password" id="confirm-password" error=${errors.confirm}>
      <input id="confirm-password" type="password" class="input" autocomplete="new-password"
        value=${form.confirm} onInput=${set('confirm')} aria-invalid=${errors.confirm ? 'true' : 'false'} />
    <//>
    ${errors.form && html`<p class="form-error" id="password-error" role="alert"><${Icon} name="alert" />${errors.form}</p>`}
    <div class="form-actions">
      <${SubmitButton} id="change-password" busy=${busy} label="Change password" busyLabel="Changing…" />
    </div>
  </form>`;
}

function ApiKeys() {
  const list = useList('/api/v1/api-keys');
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState(null);
  usePageShortcut('n', () => setCreating(true));

  const revoke = async (key) => {
    await api.del(path`/api/v1/api-keys/${key.id}`);
    notify.ok(`API key “${key.name}” revoked.`);
    list.reload();
  };

  const columns = [
    { key: 'name', label: 'Name', sort: (k) => k.name, render: (k) => html`<span class="strong">${k.name}</span>` },
    { key: 'prefix', label: 'Key', width: '200', render: (k) => html`<code class="key-prefix">${k.prefix}…</code>` },
    { key: 'created', label: 'Created', width: '140', sort: (k) => k.created_at, render: (k) => html`<${Time} value=${k.created_at} />` },
    { key: 'used', label: 'Last used', width: '140', sort: (k) => k.last_used_at, render: (k) => html`<${Time} value=${k.last_used_at} empty="Never" />` },
    {
      key: 'actions', label: html`<span class="sr-only">Actions</span>`, width: '100', class: 'actions',
      render: (k) => html`<button type="button" class="btn btn-sm btn-danger-ghost" data-action="revoke"
        aria-label=${`Revoke API key ${k.name}`} onClick=${() => setRevoking(k)}>Revoke</button>`,
    },
  ];

  return html`<div class="section-head">
      <div>
        <h2>API keys</h2>
        <p class="section-sub">For scripts and integrations. A key acts with your permissions.</p>
      </div>
      <button type="button" class="btn btn-primary" id="create-api-key" title="Create API key (n)"
        onClick=${() => setCreating(true)}><${Icon} name="key" />Create API key</button>
    </div>
    ${list.error && html`<${LoadError} message=${list.error} onRetry=${list.reload} />`}
    <${DataTable} id="api-keys-table" label="API keys" columns=${columns} rows=${list.items} loading=${list.loading}
      rowAttrs=${(k) => ({ 'data-api-key-id': k.id })}
      empty=${html`<${Empty} icon="key" title="No API keys yet.">Create one with “Create API key” when a script needs to call Steward.<//>`} />
    <${LoadMore} list=${list} />
    ${creating && html`<${CreateKeyDialog} onClose=${() => setCreating(false)} onCreated=${list.reload} />`}
    ${revoking && html`<${ConfirmDialog} title=${`Revoke “${revoking.name}”?`}
      message="Anything using this key stops working at once. This cannot be undone."
      confirmLabel="Revoke key" onClose=${() => setRevoking(null)} onConfirm=${() => revoke(revoking)} />`}`;
}

function CreateKeyDialog({ onClose, onCreated }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [created, setCreated] = useState(null);

  const submit = async (e) => {
    e.preventDefault();
    if (!name.trim()) { setError('Name the key after what will use it, e.g. “Backup report script”.'); return; }
    setError('');
    setBusy(true);
    try {
      setCreated(await api.post('/api/v1/api-keys', { name: name.trim() }));
      onCreated();
    } catch (err) {
      setError(err.message);
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
        <p class="field-hint">Key “${created.name}”, created <${Time} value=${created.created_at} />.</p>
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn btn-primary" id="api-key-done" onClick=${onClose}>I have copied it</button>
      </div>
    <//>`;
  }

  return html`<${Dialog} id="api-key-dialog" title="Create API key" onClose=${onClose}>
    <form class="dialog-form" onSubmit=${submit} novalidate>
      <div class="dialog-body">
        <${Field} label="Name" id="api-key-name" error=${error} hint="What will use the key, so you know which one to revoke later.">
          <input id="api-key-name" class="input" autofocus maxlength="100" value=${name}
            aria-invalid=${error ? 'true' : 'false'} onInput=${(e) => setName(e.target.value)} />
        <//>
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <${SubmitButton} id="api-key-submit" busy=${busy} label="Create key" busyLabel="Creating…" />
      </div>
    </form>
  <//>`;
}
