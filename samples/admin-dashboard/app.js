// An organization admin's view, over hub calls: who is online, connect requests and how they end.
// Only the server numbers (GET /api/stats) and the org analytics come over HTTP.
import { isFinal, render as draw } from "./view.js";

const signalR = window.signalR;
const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);

const state = {
  adminId: params.get("admin") || "admin",
  name: params.get("name") || "Dashboard admin",
  org: params.get("org") || "demo",
  token: null,
  hubState: "disconnected",
  ready: false,
  clients: {},   // clientId -> ClientSummary, kept current by ClientStatusChanged
  requests: {},  // requestId -> { requestId, clientId, priority, status, path: [status…], reason, answerData }
  notifications: [],
  errors: [],
  history: null,
  stats: null,
  analytics: null,
};

// Test and console hooks.
window.dashboard = {
  state,
  get ready() { return state.ready; },
  get clients() { return state.clients; },
  get requests() { return state.requests; },
  get errors() { return state.errors; },
  get history() { return state.history; },
  sendRequest: (clientId, priority, offerData, ttlSeconds) => sendRequest(clientId, priority, offerData, ttlSeconds),
  cancel: (requestId) => cancel(requestId),
  showHistory: (clientId) => showHistory(clientId),
};

function recordError(context, error) {
  const text = String(error?.message ?? error);
  const code = /\b([A-Z][A-Z_]{2,}):\s/.exec(text)?.[1] ?? "CLIENT_ERROR";
  state.errors.push({ context, code, message: text, at: Date.now() });
  render();
}

async function adminToken() {
  const response = await fetch("/api/dev/tokens", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sub: state.adminId, name: state.name, roles: ["admin"], org: state.org }),
  });
  if (!response.ok) throw new Error(`HTTP_${response.status}: could not get a dev token`);
  state.token = (await response.json()).token;
  return state.token;
}

async function getJson(path) {
  const response = await fetch(path, { headers: state.token ? { authorization: `Bearer ${state.token}` } : {} });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(`${problem.code ?? "HTTP_" + response.status}: ${problem.detail ?? path}`);
  }
  return response.json();
}

const connection = new signalR.HubConnectionBuilder()
  .withUrl("/hubs/signaling", { accessTokenFactory: adminToken })
  .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(10_000, 500 * 2 ** ctx.previousRetryCount) })
  .withStatefulReconnect()
  .configureLogging(signalR.LogLevel.Warning)
  .build();

connection.on("ClientStatusChanged", (e) => {
  const known = state.clients[e.clientId];
  state.clients[e.clientId] = {
    // A device seen for the first time has no summary yet; the next GetClients fills in the counters.
    connectCount: 0, pendingRequests: 0, firstSeen: e.lastSeen, ...known,
    clientId: e.clientId, userName: e.userName, status: e.status, lastSeen: e.lastSeen,
  };
  render();
  // Counters (connects, pending) and server totals are not in the event: ask again.
  refreshClients();
  refreshStats();
});

connection.on("ConnectRequestUpdated", (e) => {
  const request = state.requests[e.requestId] ?? { requestId: e.requestId, clientId: e.clientId, priority: "?", path: [] };
  request.status = e.status;
  request.path = [...request.path, e.status];
  request.reason = e.reason ?? null;
  request.answerData = e.answerData ?? null;
  request.at = e.at;
  state.requests[e.requestId] = request;
  render();
  if (isFinal(e.status)) refreshAnalytics();
  refreshStats();
  if (state.history?.clientId === e.clientId) showHistory(e.clientId);
});

connection.on("PendingNotifications", (notifications) => {
  state.notifications = notifications;
  render();
});

connection.on("ServerShutdown", (e) => recordError("ServerShutdown", new Error(`SERVER_SHUTDOWN: ${e.message}`)));
connection.onreconnecting(() => setHubState("reconnecting"));
connection.onreconnected(() => { setHubState("connected"); refreshClients(); });
connection.onclose((error) => {
  setHubState("disconnected");
  if (error) recordError("connection", error);
});

function setHubState(value) {
  state.hubState = value;
  render();
}

function render() {
  draw(state, { cancel, showHistory });
}

async function refreshClients() {
  try {
    const clients = await connection.invoke("GetClients");
    state.clients = Object.fromEntries(clients.map((c) => [c.clientId, c]));
    render();
  } catch (error) {
    recordError("GetClients", error);
  }
}

function parseOfferData(text) {
  if (!text) return { from: state.name };
  try { return JSON.parse(text); } catch { return text; }
}

async function sendRequest(clientId, priority = "normal", offerData = { from: state.name }, ttlSeconds = null) {
  try {
    const result = await connection.invoke("AdminConnectRequest", { clientId, offerData, priority, ttlSeconds });
    // An update can beat the call's own result (a device online answers at once): keep what it said.
    const known = state.requests[result.requestId];
    state.requests[result.requestId] = {
      requestId: result.requestId, clientId, priority, status: known?.status ?? result.status,
      path: [result.status, ...(known?.path ?? [])], queuePosition: result.queuePosition ?? null,
      reason: known?.reason ?? null, answerData: known?.answerData ?? null,
    };
    render();
    return result;
  } catch (error) {
    recordError("AdminConnectRequest", error);
    return null;
  }
}

async function cancel(requestId) {
  try {
    await connection.invoke("CancelConnectRequest", requestId);
  } catch (error) {
    recordError("CancelConnectRequest", error);
  }
}

async function showHistory(clientId) {
  try {
    state.history = await connection.invoke("GetClientHistory", clientId);
    render();
  } catch (error) {
    recordError("GetClientHistory", error);
  }
}

async function refreshStats() {
  try {
    state.stats = await getJson("/api/stats");
    render();
  } catch (error) {
    recordError("stats", error);
  }
}

async function refreshAnalytics() {
  try {
    state.analytics = await getJson("/api/admin/analytics");
    render();
  } catch (error) {
    recordError("analytics", error);
  }
}

$("request-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const ttl = Number($("request-ttl").value) || null;
  sendRequest($("request-client").value.trim(), $("request-priority").value, parseOfferData($("request-offer").value.trim()), ttl);
});

async function main() {
  render();
  try {
    setHubState("connecting");
    await connection.start();
    setHubState("connected");
    await Promise.all([refreshClients(), refreshStats(), refreshAnalytics()]);
    state.ready = true;
    render();
  } catch (error) {
    setHubState("disconnected");
    recordError("start", error);
  }
  // Server numbers are not pushed; a slow poll is enough for a dashboard.
  setInterval(refreshStats, 5000);
}

main();
