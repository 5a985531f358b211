// The sequence as a graph: trigger → steps top to bottom; branches and splits open lanes side by side; waits are
// dashed; the goal (which ends the enrollment at any point) sits above the flow.
import { escape } from '../api.js';

const KINDS = ['email', 'wait', 'wait_until', 'branch', 'split', 'update_attribute', 'webhook', 'exit'];

function kindOf(step) { return KINDS.find((kind) => kind in step) || 'step'; }

function condition(rule) {
  const [name, value] = Object.entries(rule || {}).find(([, v]) => v !== null && v !== undefined) || ['?', ''];
  return `${name} ${typeof value === 'object' ? JSON.stringify(value) : value}`;
}

function node(kind, title, detail = '', id = '') {
  const label = id ? ` data-step="${escape(id)}"` : '';
  return `<div class="node ${kind}"${label} role="listitem"><span class="kind">${escape(kind.replace('_', ' '))}${
    id ? ` · ${escape(id)}` : ''}</span>${escape(title)}${detail ? `<br><span class="muted">${escape(detail)}</span>` : ''}</div>`;
}

function lanes(entries) {
  return `<div class="lanes">${entries.map(([label, steps]) =>
    `<div class="lane" role="list" aria-label="${escape(label)}"><span class="label">${escape(label)}</span>${flow(steps)}</div>`).join('')}</div>`;
}

function stepNode(step) {
  const kind = kindOf(step);
  switch (kind) {
    case 'email': return node(kind, step.email.subject, '', step.id);
    case 'wait': return node(kind, `wait ${step.wait}`);
    case 'wait_until': return node(kind, `until ${step.wait_until.event}`, `or after ${step.wait_until.timeout}`);
    case 'branch':
      return node(kind, `if ${condition(step.branch.if)}`, '', step.id)
        + lanes([['then', step.branch.then || []], ['else', step.branch.else || []]]);
    case 'split':
      return node(kind, 'A/B split', '', step.id)
        + lanes(step.split.map((v) => [`${v.name} (weight ${v.weight ?? 1})`, v.steps || []]));
    case 'update_attribute': return node(kind, Object.keys(step.update_attribute).join(', '));
    case 'webhook': return node(kind, step.webhook.url, '', step.id);
    case 'exit': return node(kind, 'exit');
    default: return node(kind, JSON.stringify(step));
  }
}

function flow(steps) {
  if (!steps.length) return '<span class="muted">(nothing)</span>';
  return steps.map((step) => `<div class="edge"></div>${stepNode(step)}`).join('');
}

export function sequenceGraph(document) {
  const goal = document.goal
    ? `<div class="goal"><strong>Goal:</strong> <code>${escape(document.goal.event)}</code> — ends the enrollment at any step, counted as converted</div>`
    : '<p class="muted">No goal: add <code>goal: {event: …}</code> to count conversions.</p>';
  const filter = document.trigger.where || {};
  const where = Object.keys(filter).length ? ` where ${JSON.stringify(filter)}` : '';
  return `${goal}<figure class="graph" id="graph" aria-label="Steps of ${escape(document.name)}" role="list">
    ${node('trigger', `on ${document.trigger.event}${where}`)}${flow(document.steps)}</figure>`;
}
