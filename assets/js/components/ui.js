// Owns: the small building blocks every page uses: spinner, relative time, form field, badges,
// empty and error states, the page header, the busy submit button, the copy-once box and the
// copyable command block.
import { html, useState, useRef, useEffect } from '../html.js';
import { Icon } from './icons.js';
import { useNow } from '../hooks.js';
import { relativeTime, exactTime, roleLabel } from '../format.js';

export const Spinner = ({ large = false }) =>
  html`<span class=${large ? 'spinner spinner-lg' : 'spinner'} aria-hidden="true"></span>`;

export function Loading({ label = 'Loading…' }) {
  return html`<div class="loading" role="status"><${Spinner} /> ${label}</div>`;
}

/** A timestamp as "3 min ago", with the exact local time in the title. */
export function Time({ value, empty = '—' }) {
  const now = useNow();
  if (!value) return html`<span class="muted">${empty}</span>`;
  // useNow() only re-renders every 30 s; a re-render for another reason uses the time it happens.
  return html`<time datetime=${value} title=${exactTime(value)}>${relativeTime(value, Math.max(now, Date.now()))}</time>`;
}

/** A label, its control (children) and an optional hint or error under it. */
export function Field({ label, id, hint, error, children, optional = false }) {
  return html`<div class=${error ? 'field field-invalid' : 'field'}>
    <label for=${id}>${label}${optional && html` <span class="optional">optional</span>`}</label>
    ${children}
    ${error ? html`<p class="field-error" id=${`${id}-error`} role="alert">${error}</p>`
      : hint && html`<p class="field-hint">${hint}</p>`}
  </div>`;
}

export const RoleBadge = ({ role }) =>
  html`<span class="badge badge-role-${role}" data-role=${role}>${roleLabel(role)}</span>`;

export const StatusBadge = ({ disabled }) => disabled
  ? html`<span class="badge badge-off" data-status="disabled">Disabled</span>`
  : html`<span class="badge badge-on" data-status="active">Active</span>`;

export function Empty({ icon = 'search', title, children }) {
  return html`<div class="empty">
    <span class="empty-icon"><${Icon} name=${icon} size=${22} /></span>
    <p class="empty-title">${title}</p>
    ${children && html`<p class="empty-text">${children}</p>`}
  </div>`;
}

/** A load failure with a retry button, shown in place of the content that failed. */
export function LoadError({ message, onRetry }) {
  return html`<div class="load-error" role="alert">
    <${Icon} name="alert" />
    <span>${message}</span>
    ${onRetry && html`<button type="button" class="btn btn-sm" onClick=${onRetry}>Try again</button>`}
  </div>`;
}

export function PageHead({ title, sub, children }) {
  return html`<div class="page-head">
    <div class="page-head-text">
      <h1 id="page-title">${title}</h1>
      ${sub && html`<div class="page-sub">${sub}</div>`}
    </div>
    ${children && html`<div class="page-actions">${children}</div>`}
  </div>`;
}

/** A submit button that shows a spinner and `busyLabel` while `busy`. */
export function SubmitButton({ id, busy, label, busyLabel, kind = 'primary' }) {
  return html`<button type="submit" id=${id} class="btn btn-${kind}" disabled=${busy} aria-busy=${busy ? 'true' : 'false'}>
    ${busy && html`<${Spinner} />`}${busy ? busyLabel : label}
  </button>`;
}

/** A read-only value with a Copy button (used for a secret shown once). */
export function CopyBox({ id, value }) {
  const input = useRef(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => { input.current.focus(); input.current.select(); }, []);
  const copy = async () => {
    input.current.select();
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      document.execCommand('copy');
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };
  return html`<div class="copy-box">
    <input ref=${input} id=${id} class="input mono" readonly value=${value} onFocus=${(e) => e.target.select()}
      aria-label="Secret value" />
    <button type="button" class="btn" id=${`copy-${id}`} onClick=${copy}>
      <${Icon} name=${copied ? 'check' : 'copy'} />${copied ? 'Copied' : 'Copy'}
    </button>
  </div>`;
}

/**
 * A long command in a wrapping monospace block with a Copy button (the agent install command).
 * The text is selectable as one piece; a click on the block selects all of it.
 */
export function CopyBlock({ id, value, title, label = 'Copy' }) {
  const [copied, setCopied] = useState(false);
  const pre = useRef(null);
  const selectAll = () => {
    const range = document.createRange();
    range.selectNodeContents(pre.current);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  };
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      selectAll();
      document.execCommand('copy');
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };
  return html`<div class="copy-block">
    <div class="copy-block-head">
      <span class="copy-block-title">${title}</span>
      <button type="button" class="btn btn-sm" id=${`copy-${id}`} onClick=${copy}>
        <${Icon} name=${copied ? 'check' : 'copy'} />${copied ? 'Copied' : label}
      </button>
    </div>
    <pre ref=${pre} id=${id} class="copy-block-text" tabindex="0" onClick=${selectAll}>${value}</pre>
  </div>`;
}

/** A search field: clear button while it has text, the "/" shortcut hint otherwise, a spinner while `busy`. */
export function SearchBox({ id, inputRef, value, onChange, placeholder, label, busy }) {
  const clear = () => {
    onChange('');
    if (inputRef && inputRef.current) inputRef.current.focus();
  };
  return html`<div class="search">
    <${Icon} name="search" />
    <input ref=${inputRef} id=${id} type="search" class="input" placeholder=${placeholder} aria-label=${label}
      autocomplete="off" value=${value} onInput=${(e) => onChange(e.target.value)} onChange=${(e) => onChange(e.target.value)} />
    ${busy ? html`<${Spinner} />`
      : value ? html`<button type="button" class="icon-btn icon-btn-sm search-clear" id=${`${id}-clear`}
          aria-label="Clear the search" title="Clear the search" onClick=${clear}><${Icon} name="x" size=${14} /></button>`
      : html`<kbd class="search-kbd">/</kbd>`}
  </div>`;
}
