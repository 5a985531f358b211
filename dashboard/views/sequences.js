// Sequences: the tenant's list with status, and pause / resume in place.
import { api, escape } from '../api.js';

const ACTIONS = { active: ['pause', 'Pause'], paused: ['resume', 'Resume'] };

export async function sequencesPage(main) {
  const { sequences } = await api('GET', '/v1/sequences');
  main.innerHTML = `<h1>Sequences</h1>${sequences.length ? table(sequences) : empty()}`;
  for (const button of main.querySelectorAll('button[data-action]')) {
    button.addEventListener('click', async () => {
      button.disabled = true;
      await api('POST', `/v1/sequences/${encodeURIComponent(button.dataset.id)}/${button.dataset.action}`);
      await sequencesPage(main);
    });
  }
}

function table(sequences) {
  const rows = sequences.map((s) => {
    const [action, label] = ACTIONS[s.status] || [];
    const button = action
      ? `<button type="button" class="secondary" data-action="${action}" data-id="${escape(s.id)}">${label}</button>` : '';
    return `<tr>
      <td><a href="#/sequences/${encodeURIComponent(s.id)}">${escape(s.name)}</a><br><span class="muted">${escape(s.id)}</span></td>
      <td><span class="pill status-${escape(s.status)}">${escape(s.status)}</span></td>
      <td><code>${escape(s.trigger)}</code></td><td>${s.goal ? `<code>${escape(s.goal)}</code>` : '—'}</td>
      <td>v${s.version}</td><td>${button}</td></tr>`;
  });
  return `<table><thead><tr><th>Sequence</th><th>Status</th><th>Trigger</th><th>Goal</th><th>Version</th><th>
    <span class="muted">Action</span></th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function empty() {
  return `<div class="empty"><p><strong>No sequences yet.</strong> Write one as YAML (see the README's
    "The sequence document") and apply it:</p><p><code>emailseq sequences apply welcome.yaml</code></p>
    <p>It then shows up here, with its graph, its funnel and an editor.</p></div>`;
}
