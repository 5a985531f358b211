// Contact lookup by email, with its timeline: enrollments, opens, clicks, the end of each enrollment.
import { ApiError, api, escape } from '../api.js';

export function timeline(exported) {
  const entries = [];
  for (const e of exported.enrollments) {
    entries.push([e.enrolled_at, `Enrolled in <strong>${escape(e.sequence_id)}</strong> (version ${e.version})`]);
    for (const step of e.opened) entries.push([null, `Opened <code>${escape(step)}</code> of ${escape(e.sequence_id)}`]);
    for (const step of e.clicked) entries.push([null, `Clicked in <code>${escape(step)}</code> of ${escape(e.sequence_id)}`]);
    for (const type of e.events) entries.push([null, `Sent event <code>${escape(type)}</code> during ${escape(e.sequence_id)}`]);
    if (e.ended_at) entries.push([e.ended_at, `Left ${escape(e.sequence_id)}: ${escape(e.exit_reason || e.status)}`]);
    else if (e.due_at) entries.push([e.due_at, `Next step of ${escape(e.sequence_id)} due`]);
  }
  return entries;
}

function render(contact, exported) {
  const entries = timeline(exported);
  const items = entries.map(([at, text]) => `<li>${at ? `<span class="muted">${escape(at)}</span><br>` : ''}${text}</li>`);
  const attributes = Object.entries(contact.attributes || {}).map(([k, v]) => `<code>${escape(k)}=${escape(v)}</code>`).join(' ');
  return `<section class="card" id="contact"><h2>${escape(contact.email)}</h2>
    <p>${escape([contact.first_name, contact.last_name].filter(Boolean).join(' ') || 'No name')} · timezone
      ${escape(contact.timezone || 'not set')} · id <code>${escape(contact.id)}</code></p>
    <p>${attributes || '<span class="muted">No attributes.</span>'}</p>
    <h2>Timeline</h2>${items.length ? `<ol class="timeline" id="timeline">${items.join('')}</ol>`
      : '<p class="empty">Not in any sequence yet: an event that triggers one enrolls it.</p>'}
    <p class="muted">${exported.sends.length} email(s) archived for this contact.</p></section>`;
}

export function contactsPage(main) {
  main.innerHTML = `<h1>Contacts</h1>
    <form class="card" id="lookup" role="search"><label for="email">Find a contact by email</label>
      <input id="email" type="email" required placeholder="ada@example.com" style="width:24rem">
      <button type="submit">Look up</button></form><div id="result"><p class="empty">Type an address a contact event
      was sent for (e.g. by <code>emailseq events send … --email ada@example.com</code>) to see its timeline.</p></div>`;
  const result = main.querySelector('#result');
  main.querySelector('#lookup').addEventListener('submit', async (event) => {
    event.preventDefault();
    const email = main.querySelector('#email').value;
    try {
      const contact = await api('GET', `/v1/contacts?email=${encodeURIComponent(email)}`);
      result.innerHTML = render(contact, await api('GET', `/v1/contacts/${contact.id}/export`));
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
      result.innerHTML = `<p class="empty" role="alert">No contact with the address ${escape(email)}.</p>`;
    }
  });
}
