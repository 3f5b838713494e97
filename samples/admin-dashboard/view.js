// Draws the dashboard from its state; event handlers call back into the page through the actions.
const $ = (id) => document.getElementById(id);

export const isFinal = (status) => ["accepted", "declined", "cancelled", "expired"].includes(status);

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

export function render(state, { cancel, showHistory }) {
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

  renderChart(state);
  renderStats(state);

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
function renderChart(state) {
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

function renderStats(state) {
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
