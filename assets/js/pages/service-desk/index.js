// Owns: the service desk set-up page (#/service-desk/{queues|routing|sla}; staff read, admins
// edit, a technician may set their own schedule): the page head and its three tabs. Each tab lives
// beside this file, one resource a file: queues.js and technicians.js (with their schedules;
// hours.js is the hours editor they share with calendars.js), routing-rules.js, and
// sla-policies.js with calendars.js and client-policies.js. The server's field errors
// ({error, detail: {field}}) show next to the fields they name (components/form.js).
import { html } from '../../html.js';
import { useTitle } from '../../hooks.js';
import { Empty, PageHead } from '../../components/ui.js';
import { QueuesTab } from './queues.js';
import { RoutingTab } from './routing-rules.js';
import { SlaTab } from './sla-policies.js';

export const SERVICE_DESK_TABS = ['queues', 'routing', 'sla'];
const TAB_LABELS = { queues: 'Queues & schedules', routing: 'Routing', sla: 'SLA' };

const isAdminUser = (user) => user.role === 'admin';
const isStaffUser = (user) => user.role === 'admin' || user.role === 'technician';

export function ServiceDeskPage({ user, tab }) {
  const current = SERVICE_DESK_TABS.includes(tab) ? tab : SERVICE_DESK_TABS[0];
  useTitle(TAB_LABELS[current], 'Service desk');
  if (!isStaffUser(user)) {
    return html`<section class="page"><${Empty} icon="shield" title="The service desk set-up is for the MSP's staff." /></section>`;
  }
  const admin = isAdminUser(user);
  return html`<section class="page" id="service-desk-page" data-tab=${current}>
    <${PageHead} title="Service desk"
      sub=${admin ? 'Where new tickets go, who works when, and the SLAs they are held to.'
        : 'Where new tickets go, who works when, and the SLAs they are held to. Only admins change these; you can set your own schedule.'} />
    <nav class="tabs tabs-tight" aria-label="Service desk" id="sd-tabs">
      ${SERVICE_DESK_TABS.map((t) => html`<a key=${t} id=${`sd-tab-${t}`} data-tab=${t} href=${`#/service-desk/${t}`}
          class=${t === current ? 'tab active' : 'tab'} aria-current=${t === current ? 'page' : undefined}>${TAB_LABELS[t]}</a>`)}
    </nav>
    ${current === 'queues' && html`<${QueuesTab} user=${user} admin=${admin} />`}
    ${current === 'routing' && html`<${RoutingTab} admin=${admin} />`}
    ${current === 'sla' && html`<${SlaTab} admin=${admin} />`}
  </section>`;
}
