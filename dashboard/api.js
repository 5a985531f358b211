// The dashboard's only door to emailseq: the HTTP API (Bearer token) and the live feed (WebSocket, ?token=).
// Where they are comes from config.json, written at deploy time (infrastructure/plugins/dashboard.js, or the local
// tooling on the local stage).
const TOKEN_KEY = 'emailseq.token';
let config = null;

export async function loadConfig() {
  if (!config) {
    const response = await fetch('./config.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(`config.json: HTTP ${response.status}; deploy the stack first`);
    config = await response.json();
  }
  return config;
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value.trim()),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error || `HTTP ${status}`);
    this.status = status;
    this.errors = body?.errors || [];
  }
}

export async function api(method, path, body) {
  const { apiUrl } = await loadConfig();
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token.get()}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

// The live feed: one socket for the whole session, reconnected after a drop; listeners get each event.
const listeners = new Set();
export const feed = { events: [], state: 'offline', socket: null };

export function onLive(listener) { listeners.add(listener); return () => listeners.delete(listener); }

function setState(state) {
  feed.state = state;
  listeners.forEach((listener) => listener(null, state));
}

export async function connectLive() {
  const { liveUrl } = await loadConfig();
  if (!liveUrl || feed.socket) return;
  const socket = new WebSocket(`${liveUrl}?token=${encodeURIComponent(token.get())}`);
  feed.socket = socket;
  socket.onopen = () => setState('online');
  socket.onmessage = (message) => {
    const event = { ...JSON.parse(message.data), received_at: new Date().toISOString() };
    feed.events.unshift(event);
    feed.events.length = Math.min(feed.events.length, 200);
    listeners.forEach((listener) => listener(event, feed.state));
  };
  socket.onclose = () => {
    feed.socket = null;
    setState('offline');
    if (token.get()) setTimeout(connectLive, 3000);
  };
}

export function disconnectLive() {
  const socket = feed.socket;
  feed.socket = null;
  socket?.close();
}

export function escape(text) {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}
