// Owns: a device's trust on its page: the "possible clone" flag (with Merge / Keep both), the
// revoked state, a pending re-enrollment approval, and the staff actions Allow re-enrollment and
// Revoke. Every action asks first. All text from the server is rendered as text, never as HTML.
import { html, useState } from '../html.js';
import { api, path } from '../api.js';
import { Icon } from './icons.js';
import { Time, Spinner } from './ui.js';
import { Dialog, ConfirmDialog } from './dialog.js';

export function DeviceTrust({ device: d, staff, onSaved }) {
  const [asking, setAsking] = useState(null); // 'merge' | 'keep' | 'reenroll' | 'revoke'
  const close = () => setAsking(null);
  const act = (what, body) => api.post(path`/api/v1/devices/${d.id}/${what}`, body);

  return html`<div class="device-trust" id="device-trust">
    ${d.revoked && html`<p class="warning" id="device-revoked" role="status">
      <${Icon} name="x" size=${15} />
      <span>Revoked <${Time} value=${d.revoked_at} />: <span id="device-revoked-reason">${d.revoked_reason}</span>.
        Its check-ins are refused and its agent has stopped.</span>
    </p>`}
    ${d.clone_of != null && html`<div class="notice" id="device-clone" data-clone-of=${d.clone_of}>
      <${Icon} name="device" size=${15} />
      <span>Possible clone of <a href=${`#/devices/${encodeURIComponent(d.clone_of)}`} id="clone-of-link">device ${d.clone_of}</a>:
        it enrolled with that device's machine id without proving to be its agent.
        Merge it if it is that machine (reinstalled, state folder lost); keep both if they are two machines
        (cloned from one image).</span>
      ${staff && html`<span class="form-actions">
        <button type="button" class="btn btn-sm" id="clone-merge" onClick=${() => setAsking('merge')}>Merge into device ${d.clone_of}</button>
        <button type="button" class="btn btn-sm" id="clone-keep" onClick=${() => setAsking('keep')}>Keep both</button>
      </span>`}
    </div>`}
    ${d.reenroll_allowed_until && html`<p class="notice" id="device-reenroll-allowed">
      <${Icon} name="clock" size=${15} />
      <span>One re-enrollment without the device secret is allowed until <${Time} value=${d.reenroll_allowed_until} />.</span>
    </p>`}
    ${staff && !d.revoked && html`<div class="form-actions" id="device-trust-actions">
      <button type="button" class="btn btn-sm" id="device-allow-reenroll" onClick=${() => setAsking('reenroll')}>Allow re-enrollment</button>
      <button type="button" class="btn btn-sm btn-danger-ghost" id="device-revoke" onClick=${() => setAsking('revoke')}>Revoke…</button>
    </div>`}
    ${asking === 'merge' && html`<${ConfirmDialog} title="Merge devices" confirmLabel="Merge"
      message=${`Device ${d.clone_of} keeps its history, alerts and tickets and takes over this agent; this record (${d.hostname}, device ${d.id}) and the samples it gathered are removed.`}
      onClose=${close}
      onConfirm=${async () => { const survivor = await act('merge'); location.hash = `#/devices/${encodeURIComponent(survivor.id)}`; }} />`}
    ${asking === 'keep' && html`<${ConfirmDialog} title="Keep both devices" confirmLabel="Keep both"
      message=${`${d.hostname} (device ${d.id}) is a machine of its own, not device ${d.clone_of}. The flag goes; both stay.`}
      onClose=${close} onConfirm=${async () => onSaved(await act('keep'))} />`}
    ${asking === 'reenroll' && html`<${ConfirmDialog} title="Allow re-enrollment" confirmLabel="Allow once"
      message=${`For 24 hours, one enrollment of this machine (same machine id, same client) takes over device ${d.id} without its device secret, for a machine whose agent state folder was lost. Its present agent's credential stops working then.`}
      onClose=${close} onConfirm=${async () => onSaved(await act('allow-reenroll'))} />`}
    ${asking === 'revoke' && html`<${RevokeDialog} device=${d} onClose=${close}
      onRevoke=${async (reason) => onSaved(await act('revoke', { reason }))} />`}
  </div>`;
}

function RevokeDialog({ device: d, onClose, onRevoke }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await onRevoke(reason);
      onClose();
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  };
  return html`<${Dialog} id="revoke-dialog" title=${`Revoke ${d.hostname}`} onClose=${onClose}>
    <form class="dialog-form" onSubmit=${submit}>
      <div class="dialog-body">
        <p class="confirm-text">The device's next check-in is refused with this reason, and its agent stops
          reporting until the machine is enrolled again. Its record and history stay.</p>
        <div class="field">
          <label for="revoke-reason">Reason (the agent logs it)</label>
          <input id="revoke-reason" class="input" required maxlength="200" value=${reason}
            onInput=${(e) => setReason(e.target.value)} placeholder="e.g. laptop stolen" />
        </div>
        ${error && html`<p class="form-error" id="revoke-error" role="alert">${error}</p>`}
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose} autofocus>Cancel</button>
        <button type="submit" class="btn btn-danger" id="revoke-ok" disabled=${busy || !reason.trim()}>
          ${busy && html`<${Spinner} />`}Revoke
        </button>
      </div>
    </form>
  <//>`;
}
