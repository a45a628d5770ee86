// Owns: what every save form does the same way. While the request runs the form is busy (its
// SubmitButton disabled, with a spinner; a second Enter sends nothing); the browser's own checks
// and the server's refusals show next to the field they name (the API answers
// `{"error": "<sentence>", "detail": {"field": "name"}}`), anything else on the form's error line.
import { html, useState, useRef, useEffect } from '../html.js';
import { Icon } from './icons.js';

/**
 * Where a refusal shows: `{ [field]: sentence }` when `detail.field` names a field the form shows
 * (`fields`: a list of names, or a test), else `{ form: sentence }`. `rename` maps the API's name
 * of a field to the form's own (`{ current_password: 'password' }`).
 */
export function fieldErrors(err, fields = [], rename = {}) {
  const named = err && err.detail && err.detail.field;
  const field = named ? rename[named] || named : '';
  const shown = typeof fields === 'function' ? fields : (f) => fields.includes(f);
  return field && shown(field) ? { [field]: err.message } : { form: err.message };
}

/**
 * A save form's state: `busy`, `errors` (`{ [field]: sentence, form: sentence }`), `err(field)`
 * (the sentence or ''), `invalid(field)` (for aria-invalid), `setErrors` and `clear()`.
 *
 * `onSubmit({ check, send })` makes the form's submit handler: `check()` answers the browser's own
 * findings (`{ field: sentence }`, or nothing); if there are any they are shown and nothing is
 * sent. Otherwise the form is busy while `send()` runs, and a failure shows where fieldErrors puts
 * it; a 409 shows at `conflict`, when given (a name already taken).
 */
export function useForm({ fields = [], rename = {}, conflict = '' } = {}) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState({});
  const busyNow = useRef(false);
  // send() usually ends in onSaved(), which closes the dialog: no state to set after that.
  const mounted = useRef(true);
  useEffect(() => () => { mounted.current = false; }, []);

  const onSubmit = ({ check, send }) => async (e) => {
    if (e && e.preventDefault) e.preventDefault();
    if (busyNow.current) return;
    const found = (check && check()) || {};
    setErrors(found);
    if (Object.keys(found).length) return;
    busyNow.current = true;
    setBusy(true);
    try {
      await send();
    } catch (err) {
      if (mounted.current) {
        setErrors(conflict && err.status === 409 ? { [conflict]: err.message } : fieldErrors(err, fields, rename));
      }
    } finally {
      busyNow.current = false;
      if (mounted.current) setBusy(false);
    }
  };

  const err = (field) => errors[field] || '';
  return {
    busy, errors, err, setErrors, onSubmit,
    invalid: (field) => (errors[field] ? 'true' : 'false'),
    clear: () => setErrors((e) => (Object.keys(e).length ? {} : e)),
  };
}

/** The form's general error line: a refusal that names no field the form shows. */
export function FormError({ id, message }) {
  return message ? html`<p class="form-error" id=${id} role="alert"><${Icon} name="alert" />${message}</p>` : null;
}
