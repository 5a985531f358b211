// The live feed: the tenant's sends, opens, clicks, enrollments and conversions as they happen (WebSocket).
import { escape, feed, onLive } from '../api.js';

let stopListening = () => {};

export function feedItem(event) {
  const { contact_id: contact, sequence_id: sequence, step_id: step, goal_event: goal, url } = event.data || {};
  const where = [sequence && `sequence ${sequence}`, step && `step ${step}`, goal && `goal ${goal}`, url && url]
    .filter(Boolean).map(escape).join(' · ');
  return `<li data-type="${escape(event.type)}"><span class="type">${escape(event.type)}</span>${where}
    <br><span class="muted">contact ${escape(contact)} · at ${escape(event.at)}</span></li>`;
}

export function livePage(main) {
  stopListening();
  const draw = () => {
    main.innerHTML = `<h1>Live feed <span class="pill ${feed.state}">${feed.state}</span></h1>${feed.events.length
      ? `<ul class="feed" id="feed" aria-label="Live events, newest first">${feed.events.map(feedItem).join('')}</ul>`
      : `<div class="empty" id="feed-empty"><p><strong>Nothing yet.</strong> Events appear here as they happen: send one,
         e.g. <code>emailseq events send demo.started --email ada@example.com</code>, and watch the enrollment and
         the email arrive.</p></div>`}`;
  };
  draw();
  stopListening = onLive(() => { if (location.hash === '#/live') draw(); });
}
