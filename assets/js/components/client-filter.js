// Owns: the "All clients / one client" select that narrows a list to one client (devices, alerts,
// tickets, maintenance windows, reports).
import { html } from '../html.js';
import { useClientOptions } from '../hooks.js';

/**
 * `value` is a client id as a string, '' for all clients. An id the list does not hold (a deleted
 * client, a link from elsewhere) still shows as "Client 12", so the filter in force is visible and
 * can be cleared.
 */
export function ClientFilter({ id, value, onChange, small = false }) {
  const clients = useClientOptions();
  return html`<select id=${id} class=${small ? 'input input-sm input-auto' : 'input input-auto'} aria-label="Client" value=${value}
      disabled=${clients.loading} onChange=${(e) => onChange(e.target.value)}>
    <option value="">All clients</option>
    ${value && !clients.items.some((c) => String(c.id) === value) && html`<option value=${value}>Client ${value}</option>`}
    ${clients.items.map((c) => html`<option key=${c.id} value=${String(c.id)}>${c.name}</option>`)}
  </select>`;
}
