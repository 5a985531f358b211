// The funnel of a sequence as a horizontal bar chart (SVG, no library): enrolled, then sent / opened / clicked
// per email step, then converted. Every bar has its number written next to it (colour is never the only cue).
import { escape } from '../api.js';

const ROW = 26;
const LABEL = 190;
const WIDTH = 560;

export function funnelRows(report) {
  const rows = [['Enrolled', report.enrolled, 'enrolled']];
  for (const step of report.steps) {
    rows.push([`${step.id}: sent`, step.sent, 'sent'], [`${step.id}: opened`, step.opened, 'opened'],
      [`${step.id}: clicked`, step.clicked, 'clicked']);
  }
  rows.push(['Converted', report.converted, 'converted'], ['Unsubscribed', report.unsubscribed, 'unsubscribed']);
  return rows;
}

const COLOURS = { enrolled: '#2457c5', sent: '#4f7bd9', opened: '#1f7a4d', clicked: '#2e9e66', converted: '#a15c00', unsubscribed: '#8a939c' };

export function funnelChart(report) {
  const rows = funnelRows(report);
  const top = Math.max(1, ...rows.map(([, value]) => value));
  const bars = rows.map(([label, value, kind], i) => {
    const y = i * ROW;
    const width = Math.round((value / top) * (WIDTH - LABEL - 60));
    return `<g data-kind="${kind}"><text x="0" y="${y + 17}" font-size="13">${escape(label)}</text>
      <rect x="${LABEL}" y="${y + 4}" width="${Math.max(width, 1)}" height="${ROW - 8}" fill="${COLOURS[kind]}" rx="3"></rect>
      <text x="${LABEL + width + 6}" y="${y + 17}" font-size="13" class="value">${value}</text></g>`;
  });
  const summary = rows.map(([label, value]) => `${label} ${value}`).join(', ');
  return `<svg id="funnel" role="img" aria-label="Funnel: ${escape(summary)}" width="100%" viewBox="0 0 ${WIDTH} ${rows.length * ROW}"
    font-family="system-ui, sans-serif">${bars.join('')}</svg>`;
}
