// The dashboard: hash routes, the log-in with the tenant token, and the pages (views/*.js).
import { ApiError, api, connectLive, disconnectLive, escape, feed, loadConfig, onLive, token } from './api.js';
import { contactsPage } from './views/contacts.js';
import { livePage } from './views/live.js';
import { outboxPage } from './views/outbox.js';
import { sequencePage } from './views/sequence.js';
import { sequencesPage } from './views/sequences.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');

const routes = [
  [/^#\/sequences\/([^/]+)$/, (id) => sequencePage(main, decodeURIComponent(id))],
  [/^#\/sequences$/, () => sequencesPage(main)],
  [/^#\/contacts$/, () => contactsPage(main)],
  [/^#\/live$/, () => livePage(main)],
  [/^#\/outbox$/, () => outboxPage(main)],
];

function loginPage(message = '') {
  nav.hidden = true;
  main.innerHTML = `
    <h1>Log in</h1>
    <form class="card" id="login">
      <label for="token">Tenant token</label>
      <p class="muted">A token from <code>emailseq tokens create --tenant YOUR_TENANT</code>; <code>make run</code>
        prints one for the demo tenant.</p>
      <input id="token" name="token" autocomplete="off" required style="width:100%" autofocus>
      <p class="errors" role="alert">${escape(message)}</p>
      <button type="submit">Log in</button>
    </form>`;
  main.querySelector('#login').addEventListener('submit', async (event) => {
    event.preventDefault();
    token.set(main.querySelector('#token').value);
    try {
      await api('GET', '/v1/sequences');  // the token is checked by using it
    } catch (error) {
      token.clear();
      return loginPage(error instanceof ApiError && error.status === 401 ? 'That token was refused.' : error.message);
    }
    if (location.hash === '#/sequences') render(); else location.hash = '#/sequences';  // hashchange renders
  });
}

function markCurrent() {
  for (const link of nav.querySelectorAll('a')) {
    const current = location.hash.startsWith(link.getAttribute('href'));
    if (current) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
}

function showLiveState() {
  const pill = document.getElementById('live-state');
  pill.textContent = feed.state;
  pill.className = `pill ${feed.state}`;
}

async function render() {
  if (!token.get()) return loginPage();
  nav.hidden = false;
  const config = await loadConfig();
  document.getElementById('nav-outbox').hidden = !config.outboxUrl;
  connectLive();
  if (!routes.some(([pattern]) => pattern.test(location.hash))) location.hash = '#/sequences';
  markCurrent();
  main.innerHTML = '<p class="muted" role="status">Loading…</p>';
  for (const [pattern, page] of routes) {
    const match = location.hash.match(pattern);
    if (match) {
      try {
        await page(...match.slice(1));
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) { token.clear(); return loginPage('Your token expired or was revoked.'); }
        main.innerHTML = `<p class="errors" role="alert">${escape(error.message)}</p>`;
      }
      main.focus();
      return;
    }
  }
}

document.getElementById('logout').addEventListener('click', () => { token.clear(); disconnectLive(); loginPage(); });
window.addEventListener('hashchange', render);
onLive(showLiveState);
render().catch((error) => { main.innerHTML = `<p class="errors" role="alert">${escape(error.message)}</p>`; });
