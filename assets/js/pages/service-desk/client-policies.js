// Owns: the SLA tab's list of clients, each with the policy its new tickets get; an admin picks a
// client's own policy there (or the default), and it applies to tickets opened from then on.
import { html, useState, useMemo, useRef } from '../../html.js';
import { api, path } from '../../api.js';
import { useList } from '../../hooks.js';
import { LoadMore } from '../../components/table.js';
import { LoadError, Spinner } from '../../components/ui.js';
import { notify } from '../../components/toast.js';

export /** Every client with the policy its new tickets get; admins pick a client's own policy. */
function ClientPolicies({ policies, admin, onChanged }) {
  const clients = useList('/api/v1/clients', { limit: 500 });
  const [saving, setSaving] = useState(null);
  const own = useMemo(() => {
    const m = new Map();
    for (const p of policies) for (const c of p.clients) m.set(c.id, p);
    return m;
  }, [policies]);
  const deflt = policies.find((p) => p.is_default);
  const latest = useRef(0);
  const choose = async (c, value) => {
    const mine = ++latest.current;
    setSaving(c.id);
    try {
      await api.put(path`/api/v1/clients/${c.id}/sla-policy`, { policy_id: value ? Number(value) : null });
      const p = policies.find((x) => String(x.id) === value);
      notify.ok(p ? `${c.name} now has “${p.name}” for new tickets.` : `${c.name} is back on the default policy.`);
      onChanged();
    } catch (e) {
      notify.error(e.message);
    } finally {
      if (mine === latest.current) setSaving(null);
    }
  };
  if (clients.error) return html`<${LoadError} message=${clients.error} onRetry=${clients.reload} />`;
  if (clients.loading && !clients.items.length) return html`<p class="loading"><${Spinner} /> Loading clients…</p>`;
  if (!clients.items.length) return html`<p class="muted">No clients yet.</p>`;
  return html`<div class="table-card sd-client-policies">
    <table class="table" id="client-policy-table" aria-label="Clients’ SLA policies">
      <thead><tr><th scope="col">Client</th><th scope="col">SLA policy for new tickets</th></tr></thead>
      <tbody>
        ${clients.items.map((c) => {
          const p = own.get(c.id);
          return html`<tr key=${c.id} data-client-id=${c.id} data-policy-id=${p ? p.id : ''}>
            <td><a href=${`#/clients/${encodeURIComponent(c.id)}`}>${c.name}</a></td>
            <td>${admin
              ? html`<span class="sd-client-policy">
                  <select class="input input-sm input-auto" aria-label=${`SLA policy of ${c.name}`} value=${p ? String(p.id) : ''}
                      disabled=${saving === c.id} onChange=${(e) => choose(c, e.target.value)}>
                    <option value="">Default${deflt ? ` (${deflt.name})` : ''}</option>
                    ${policies.map((x) => html`<option key=${x.id} value=${String(x.id)}>${x.name}</option>`)}
                  </select>
                  ${saving === c.id && html`<${Spinner} />`}
                </span>`
              : p ? html`<span class="strong">${p.name}</span>` : html`<span class="muted">Default${deflt ? ` (${deflt.name})` : ''}</span>`}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>
  <${LoadMore} list=${clients} />`;
}
