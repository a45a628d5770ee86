// Owns: modal dialogs, built on the native <dialog> element so focus trapping, the backdrop and
// Esc-to-close come from the browser. A dialog is open while it is rendered: the parent mounts it
// to open it and unmounts it (in onClose) to close it.
import { html, useState, useEffect, useRef } from '../html.js';
import { Icon } from './icons.js';
import { Spinner } from './ui.js';

export function Dialog({ id, title, onClose, children, wide = false }) {
  const ref = useRef(null);
  const unmounting = useRef(false);
  useEffect(() => {
    const d = ref.current;
    if (!d.open) d.showModal();
    return () => {
      unmounting.current = true;
      if (d.open) d.close();
    };
  }, []);
  // The native "close" event fires on Esc as well; tell the parent so it unmounts us.
  const onNativeClose = () => { if (!unmounting.current) onClose(); };
  return html`<dialog ref=${ref} id=${id} class=${wide ? 'dialog dialog-wide' : 'dialog'}
      aria-labelledby=${`${id}-title`} onClose=${onNativeClose}>
    <div class="dialog-head">
      <h2 id=${`${id}-title`}>${title}</h2>
      <button type="button" class="icon-btn" aria-label="Close" title="Close (Esc)" onClick=${onClose}>
        <${Icon} name="x" />
      </button>
    </div>
    ${children}
  </dialog>`;
}

/**
 * Asks before something that cannot be undone. `onConfirm` is async; while it runs the button
 * shows progress, and its error (an ApiError sentence) is shown in the dialog.
 */
export function ConfirmDialog({ title, message, confirmLabel, onConfirm, onClose }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const confirm = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  };
  return html`<${Dialog} id="confirm-dialog" title=${title} onClose=${onClose}>
    <form class="dialog-form" onSubmit=${confirm}>
      <div class="dialog-body">
        <p class="confirm-text">${message}</p>
        ${error && html`<p class="form-error" id="confirm-error" role="alert">${error}</p>`}
      </div>
      <div class="dialog-foot">
        <button type="button" class="btn" onClick=${onClose} autofocus>Cancel</button>
        <button type="submit" class="btn btn-danger" id="confirm-ok" disabled=${busy}>
          ${busy && html`<${Spinner} />`}${confirmLabel}
        </button>
      </div>
    </form>
  <//>`;
}
