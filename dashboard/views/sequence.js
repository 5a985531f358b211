// One sequence: its graph, its funnel (refreshed as live events for it arrive) and the document editor, which
// saves through the API and lists the API's validation messages (field and reason) when it refuses.
import { ApiError, api, escape, onLive } from '../api.js';
import { funnelChart } from './funnel.js';
import { sequenceGraph } from './graph.js';

let stopListening = () => {};

export async function sequencePage(main, id) {
  stopListening();
  const path = `/v1/sequences/${encodeURIComponent(id)}`;
  // One request at a time: on a laptop's local stack a second concurrent call can mean a second cold function.
  const sequence = await api('GET', path);
  const report = await api('GET', `${path}/report`);
  main.innerHTML = `
    <p><a href="#/sequences">← Sequences</a></p>
    <h1>${escape(sequence.document.name)} <span class="pill status-${escape(sequence.status)}">${escape(sequence.status)}</span>
      <span class="muted">v<span id="version">${sequence.version}</span></span></h1>
    <div class="columns">
      <section class="card" aria-labelledby="graph-title"><h2 id="graph-title">Steps</h2>
        <div id="graph-box">${sequenceGraph(sequence.document)}</div></section>
      <section class="card" aria-labelledby="funnel-title"><h2 id="funnel-title">Funnel</h2>
        <div id="funnel-box">${funnelChart(report)}</div>
        ${report.enrolled ? '' : `<p class="empty" id="funnel-empty">Nobody enrolled yet: send the trigger event, e.g.
          <code>emailseq events send ${escape(sequence.document.trigger.event)} --email ada@example.com</code></p>`}</section>
    </div>
    <section class="card" aria-labelledby="editor-title"><h2 id="editor-title">Document</h2>
      <form id="editor"><label for="document">The sequence as JSON (saved as a new version)</label>
        <textarea id="document" spellcheck="false">${escape(JSON.stringify(sequence.document, null, 2))}</textarea>
        <div id="outcome" role="status"></div>
        <button type="submit">Save</button> <span class="muted">Ctrl+Enter saves</span></form></section>`;
  const editor = main.querySelector('#editor');
  const textarea = main.querySelector('#document');
  editor.addEventListener('submit', (event) => { event.preventDefault(); save(main, path); });
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); save(main, path); }
  });
  stopListening = onLive(async (event) => {
    if (!event || event.data?.sequence_id !== id || !main.querySelector('#funnel-box')) return;
    main.querySelector('#funnel-box').innerHTML = funnelChart(await api('GET', `${path}/report`));
    main.querySelector('#funnel-empty')?.remove();
  });
}

async function save(main, path) {
  const outcome = main.querySelector('#outcome');
  let document;
  try {
    document = JSON.parse(main.querySelector('#document').value);
  } catch (error) {
    outcome.innerHTML = `<ul class="errors"><li>Not valid JSON: ${escape(error.message)}</li></ul>`;
    return;
  }
  try {
    const saved = await api('PUT', path, document);
    main.querySelector('#version').textContent = saved.version;
    main.querySelector('#graph-box').innerHTML = sequenceGraph(saved.document);
    outcome.innerHTML = `<p class="saved">${saved.changed ? `Saved as version ${saved.version}.` : 'No change to save.'}</p>`;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status === 401) throw error;
    const items = error.errors.length ? error.errors.map((e) => `<li><code>${escape(e.field)}</code>: ${escape(e.reason)}</li>`)
      : [`<li>${escape(error.message)}</li>`];
    outcome.innerHTML = `<p class="errors">The API refused this version:</p><ul class="errors">${items.join('')}</ul>`;
  }
}
