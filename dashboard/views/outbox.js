// Local stage only: what the local stack's mail service accepted, newest first, each email rendered (sandboxed:
// no scripts, no same-origin). config.json names the outbox only on the local stage.
import { escape, loadConfig } from '../api.js';

// The local mail service stamps messages in epoch seconds.
const when = (stamp) => (Number.isFinite(Number(stamp)) ? new Date(Number(stamp) * 1000).toISOString() : String(stamp));
// The newest only: each is an iframe, and a chaos run or a bench leaves tens of thousands behind.
const SHOWN = 50;

export async function outboxPage(main) {
  const { outboxUrl } = await loadConfig();
  if (!outboxUrl) { main.innerHTML = '<p class="empty">The outbox exists on the local stack only.</p>'; return; }
  const response = await fetch(outboxUrl);
  const accounts = (await response.json()).messages || {};
  const all = Object.values(accounts).flat().sort((a, b) => Number(b.Timestamp) - Number(a.Timestamp));
  const messages = all.slice(0, SHOWN);
  const more = all.length > SHOWN
    ? `<p class="muted">The newest ${SHOWN} of ${all.length}. <code>emailseq outbox --to EMAIL</code> finds any other.</p>`
    : '';
  main.innerHTML = `<h1>Outbox <span class="muted">(local stack)</span></h1>${more}${messages.length ? messages.map((m, i) => `
    <article class="card outbox-message"><h2>${escape(m.Subject)}</h2>
      <p class="muted">to ${escape((m.To || []).join(', '))} · ${escape(when(m.Timestamp))}</p>
      <iframe class="mail" title="Email: ${escape(m.Subject)}" sandbox="" data-index="${i}"></iframe></article>`).join('')
    : `<div class="empty"><p><strong>No email sent yet.</strong> Send the demo's trigger:
       <code>emailseq events send demo.started --email ada@example.com</code></p></div>`}`;
  for (const frame of main.querySelectorAll('iframe.mail')) {
    const message = messages[Number(frame.dataset.index)];
    frame.srcdoc = message.BodyHtml || `<pre>${escape(message.BodyText || '')}</pre>`;
  }
}
