// An organization admin's view, over hub calls: who is online, connect requests and how they end.
// Only the server numbers (GET /api/stats) and the org analytics come over HTTP.
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

const isFinal = (status) => ["accepted", "declined", "cancelled", "expired"].includes(status);

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

const time = (ms) => (ms ? new Date(ms).toLocaleTimeString() : "–");

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function button(label, onClick) {
  const node = element("button", label);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

function row(cells) {
  const tr = document.createElement("tr");
  tr.append(...cells.map((c) => (c instanceof Node ? wrap(c) : element("td", String(c)))));
  return tr;
}

function wrap(node) {
  const td = document.createElement("td");
  td.append(node);
  return td;
}

function render() {
  $("identity").textContent = `${state.name} (${state.adminId}) · org ${state.org}`;
  $("status").textContent = state.hubState;
  $("status").className = state.hubState === "connected" ? "connected" : "";

  const clients = Object.values(state.clients).sort((a, b) => a.clientId.localeCompare(b.clientId));
  $("clients").replaceChildren(...clients.map((c) => {
    const tr = row([c.clientId, c.userName, element("span", c.status, c.status), time(c.lastSeen), time(c.firstSeen),
      c.connectCount, c.pendingRequests, element("span")]);
    tr.dataset.clientId = c.clientId;
    tr.lastChild.replaceChildren(
      button("Request", () => { $("request-client").value = c.clientId; $("request-offer").focus(); }),
      button("History", () => showHistory(c.clientId)));
    return tr;
  }));

  const requests = Object.values(state.requests).reverse();
  $("requests").replaceChildren(...requests.map((r) => {
    const detail = r.reason ?? (r.answerData == null ? "" : JSON.stringify(r.answerData));
    const tr = row([r.requestId, r.clientId, r.priority, element("span", r.status, r.status),
      r.path.join(" → ") + (r.queuePosition ? ` (position ${r.queuePosition})` : ""), detail, element("span")]);
    tr.dataset.requestId = r.requestId;
    if (!isFinal(r.status)) tr.lastChild.replaceChildren(button("Cancel", () => cancel(r.requestId)));
    return tr;
  }));

  renderChart();
  renderStats();

  $("history-client").textContent = state.history ? `of ${state.history.clientId}` : "";
  $("history").replaceChildren(...(state.history?.events ?? []).map((e) =>
    element("li", `${time(e.at)} ${e.type}${e.requestId ? ` ${e.requestId}` : ""}${e.detail ? ` (${e.detail})` : ""}`)));
  $("notifications").replaceChildren(...state.notifications.map((n) =>
    element("li", `${time(n.at)} ${n.type} ${n.clientId ?? ""} ${n.requestId ?? ""} ${n.status ?? ""} ${n.detail ?? ""}`.trim())));
  $("errors").replaceChildren(...state.errors.map((e) => {
    const li = element("li");
    li.append(element("code", e.code), ` ${e.context}: ${e.message}`);
    return li;
  }));
}

// Outcomes per status as horizontal bars: from the org analytics when loaded, else from this session.
function renderChart() {
  const statuses = ["queued", "delivered", "accepted", "declined", "cancelled", "expired"];
  const counts = Object.fromEntries(statuses.map((s) => [s, 0]));
  if (state.analytics?.byStatus) {
    for (const [status, count] of Object.entries(state.analytics.byStatus)) counts[status.toLowerCase()] = count;
  } else {
    for (const r of Object.values(state.requests)) if (r.status in counts) counts[r.status]++;
  }
  const max = Math.max(1, ...Object.values(counts));
  const svg = $("chart");
  const ns = "http://www.w3.org/2000/svg";
  const shapes = statuses.flatMap((status, i) => {
    const y = 10 + i * 27;
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", "0"); label.setAttribute("y", String(y + 14));
    label.textContent = status;
    const bar = document.createElementNS(ns, "rect");
    bar.setAttribute("x", "80"); bar.setAttribute("y", String(y));
    bar.setAttribute("width", String(Math.round((counts[status] / max) * 290)));
    bar.setAttribute("height", "18");
    bar.setAttribute("fill", { accepted: "#1f9d55", delivered: "#4a90d9", queued: "#d9a441" }[status] ?? "#c0392b");
    const value = document.createElementNS(ns, "text");
    value.setAttribute("x", String(86 + Math.round((counts[status] / max) * 290))); value.setAttribute("y", String(y + 14));
    value.textContent = String(counts[status]);
    return [label, bar, value];
  });
  svg.replaceChildren(...shapes);
  const a = state.analytics;
  $("analytics-summary").textContent = a
    ? `${a.total} requests · success ${(a.successRate * 100).toFixed(0)} %` +
      (a.medianTimeToAnswerMs == null ? "" : ` · median answer ${(a.medianTimeToAnswerMs / 1000).toFixed(1)} s`)
    : "";
}

function renderStats() {
  const s = state.stats;
  if (!s) return;
  const entries = [
    ["uptime", `${s.uptimeSeconds} s`], ["instances", s.instances],
    ["connections", `${s.connections.active} active / ${s.connections.total} total`],
    ["rooms", `${s.rooms.active} active / ${s.rooms.total} total`], ["peers", s.peers.active],
    ["clients", `${s.clients.online} online / ${s.clients.total}`], ["admins online", s.admins.online],
    ["requests", `${s.requests.pending} pending, ${s.requests.queued} queued, ${s.requests.total} total`],
    ["messages relayed", s.messages.relayed],
  ];
  $("stats").replaceChildren(...entries.flatMap(([k, v]) => [element("dt", k), element("dd", String(v))]));
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
