// Draws the call's state; called after every change, it rebuilds the small tables and keeps video elements.
const $ = (id) => document.getElementById(id);

function cell(text, stateClass) {
  const td = document.createElement("td");
  td.textContent = text;
  if (stateClass) td.className = `state-${stateClass}`;
  return td;
}

export function render(state) {
  const status = $("status");
  status.textContent = state.peerId
    ? `${state.hubState} · room ${state.roomId} as ${state.peerId}${state.connectionMode ? ` · ${state.connectionMode}` : ""} · ${state.protocol}`
    : state.hubState;
  status.className = state.hubState === "connected" && state.joined ? "connected" : state.hubState === "disconnected" && state.errors.length ? "failed" : "";

  const rows = Object.values(state.members).map((member) => {
    const peer = state.peers.get(member.peerId);
    const tr = document.createElement("tr");
    tr.dataset.peerId = member.peerId;
    const membership = member.isActive ? "active" : "inactive";
    tr.append(
      cell(member.peerId),
      cell(member.displayName),
      cell(member.leftReason ? `${membership} (${member.leftReason})` : membership, membership),
      cell(peer?.pc.connectionState ?? "–", peer?.pc.connectionState),
      cell(peer?.pc.iceConnectionState ?? "–", peer?.pc.iceConnectionState),
      cell(peer?.pc.signalingState ?? "–"),
      cell(peer?.channel.readyState ?? "–", peer?.channel.readyState));
    return tr;
  });
  $("members").replaceChildren(...rows);

  renderVideos(state);

  $("messages").replaceChildren(...state.messages.map((m) => {
    const li = document.createElement("li");
    li.textContent = `${m.name}: ${m.text}`;
    return li;
  }));
  $("errors").replaceChildren(...state.errors.map((e) => {
    const li = document.createElement("li");
    const code = document.createElement("code");
    code.textContent = e.code;
    li.append(code, ` ${e.context}: ${e.message}`);
    return li;
  }));
}

function renderVideos(state) {
  const container = $("videos");
  const wanted = new Set([...state.peers.values()].filter((p) => p.stream).map((p) => p.peerId));
  for (const tile of container.querySelectorAll("figure[data-peer-id]")) {
    if (!wanted.has(tile.dataset.peerId)) tile.remove();
  }
  for (const peerId of wanted) {
    const peer = state.peers.get(peerId);
    let tile = container.querySelector(`figure[data-peer-id="${CSS.escape(peerId)}"]`);
    if (!tile) {
      tile = document.createElement("figure");
      tile.className = "tile";
      tile.dataset.peerId = peerId;
      const video = document.createElement("video");
      video.autoplay = true;
      video.playsInline = true;
      const caption = document.createElement("figcaption");
      caption.textContent = state.members[peerId]?.displayName ?? peerId;
      tile.append(video, caption);
      container.append(tile);
    }
    const video = tile.querySelector("video");
    if (video.srcObject !== peer.stream) video.srcObject = peer.stream;
  }
}
