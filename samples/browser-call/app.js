// A mesh call through the signaling hub: one RTCPeerConnection per other member, perfect
// negotiation, trickle ICE, a data channel for chat and camera/microphone when there is one.
const signalR = window.signalR;
const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);

const state = {
  roomId: params.get("room"),
  name: params.get("name") || "",
  peerId: null,
  connectionMode: null,
  iceServers: [],
  hubState: "disconnected",
  joined: false,
  joinCount: 0,
  members: {},     // peerId -> PeerInfo as the hub last described it
  peers: new Map(), // peerId -> negotiation state around one RTCPeerConnection
  messages: [],
  errors: [],
  events: [],      // what the hub sent, in order, for diagnosing a stuck negotiation
  localStream: null,
};

// Test and console hooks: plain data, so Playwright's waitForFunction can poll it.
window.sample = {
  state,
  get peerId() { return state.peerId; },
  get joined() { return state.joined; },
  get joinCount() { return state.joinCount; },
  get hubState() { return state.hubState; },
  get members() { return state.members; },
  get peers() { return [...state.peers.keys()]; },
  get iceStates() { return snapshot((p) => p.pc.iceConnectionState); },
  get connectionStates() { return snapshot((p) => p.pc.connectionState); },
  get channelStates() { return snapshot((p) => p.channel.readyState); },
  get signalingStates() { return snapshot((p) => p.pc.signalingState); },
  get events() { return state.events; },
  get messages() { return state.messages; },
  get errors() { return state.errors; },
  get hasMedia() { return state.localStream !== null; },
  sendChat: (text) => sendChat(text),
};

function snapshot(pick) {
  return Object.fromEntries([...state.peers].map(([id, p]) => [id, pick(p)]));
}

// Hub errors arrive as "... HubException: CODE: detail"; the code is what a user can act on.
function recordError(context, error) {
  const text = String(error?.message ?? error);
  const code = /\b([A-Z][A-Z_]{2,}):\s/.exec(text)?.[1] ?? "CLIENT_ERROR";
  state.errors.push({ context, code, message: text, at: Date.now() });
  console.warn(`[${context}] ${code}: ${text}`);
  render();
}

// The peer id must stay the same across reloads of this tab (so a reload rejoins as the same
// member) but differ between tabs (so two tabs are two members).
function ownPeerId() {
  const explicit = params.get("peer");
  if (explicit) return explicit;
  let id = sessionStorage.getItem("sample.peerId");
  if (!id) {
    const base = (state.name || "guest").replace(/[^A-Za-z0-9._-]/g, "").slice(0, 40) || "guest";
    id = `${base}-${crypto.randomUUID().slice(0, 8)}`;
    sessionStorage.setItem("sample.peerId", id);
  }
  return id;
}

async function devToken(sub) {
  const response = await fetch("/api/dev/tokens", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sub, name: state.name || sub }),
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(`${problem.code ?? "HTTP_" + response.status}: ${problem.detail ?? "could not get a dev token"}`);
  }
  return (await response.json()).token;
}

async function startMedia() {
  if (!navigator.mediaDevices?.getUserMedia) return;
  try {
    state.localStream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
    $("local-video").srcObject = state.localStream;
  } catch (error) {
    // No camera, no permission or no secure context: the call still works with chat only.
    recordError("getUserMedia", new Error(`MEDIA_UNAVAILABLE: ${error.name} (chat only)`));
  }
}

const connection = new signalR.HubConnectionBuilder()
  .withUrl("/hubs/signaling", {
    // Called again on every reconnect: a fresh token survives the old one expiring.
    accessTokenFactory: () => devToken(state.peerId),
  })
  .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(10_000, 500 * 2 ** ctx.previousRetryCount) })
  .withStatefulReconnect()
  .configureLogging(signalR.LogLevel.Warning)
  .build();

// Everything the hub tells us is applied in arrival order, one at a time, and only after the join
// result is known: an offer can overtake the JoinRoom completion, and politeness depends on it.
let inbox = Promise.resolve();
function enqueue(context, work) {
  state.events.push(`${Date.now() % 100000} ${context}`);
  inbox = inbox.then(work).catch((error) => recordError(context, error));
  return inbox;
}

connection.on("PeerJoined", (peer) => enqueue(`PeerJoined ${peer.peerId}`, () => {
  if (!state.joined || peer.peerId === state.peerId) return;
  state.members[peer.peerId] = peer;
  // The newcomer is polite towards everyone already there, so on our side this peer gets the
  // impolite role, and we let the newcomer's offer open the connection (see awaitOffer).
  replacePeer(peer.peerId, false, { awaitOffer: true });
  render();
}));
connection.on("PeerLeft", (e) => enqueue("PeerLeft", () => {
  if (state.members[e.peerId]) state.members[e.peerId] = { ...state.members[e.peerId], isActive: false, leftReason: e.reason };
  closePeer(e.peerId);
  render();
}));
connection.on("PeerUpdated", (peer) => enqueue("PeerUpdated", () => { state.members[peer.peerId] = peer; render(); }));
connection.on("Offer", (e) => enqueue(`Offer ${e.fromPeerId}`, () => onDescription(e.fromPeerId, { type: "offer", sdp: e.sdp })));
connection.on("Answer", (e) => enqueue(`Answer ${e.fromPeerId}`, () => onDescription(e.fromPeerId, { type: "answer", sdp: e.sdp })));
connection.on("IceCandidate", (e) => enqueue(`IceCandidate ${e.fromPeerId}${e.candidate ? "" : " end"}`, () => onCandidate(e.fromPeerId, e.candidate)));
connection.on("SessionReplaced", () => {
  state.joined = false;
  recordError("SessionReplaced", new Error("SESSION_REPLACED: this identity joined from another connection"));
  closeAllPeers();
});
connection.on("RoomClosed", (e) => {
  state.joined = false;
  recordError("RoomClosed", new Error(`ROOM_CLOSED: room '${e.roomId}' was ${e.reason}`));
  closeAllPeers();
});
connection.on("ServerShutdown", (e) => recordError("ServerShutdown", new Error(`SERVER_SHUTDOWN: ${e.message}`)));

connection.onreconnecting(() => setHubState("reconnecting"));
connection.onreconnected(() => {
  setHubState("connected");
  // A new connection is a new member session for the room: the others saw us leave, so every
  // peer connection starts over, and we are now the newer joiner.
  join();
});
connection.onclose((error) => {
  setHubState("disconnected");
  state.joined = false;
  if (error) recordError("connection", error);
});

function setHubState(value) {
  state.hubState = value;
  render();
}

function join() {
  return enqueue("JoinRoom", async () => {
    closeAllPeers();
    const mediaState = { audio: hasTrack("audio"), video: hasTrack("video"), screen: false };
    const result = await connection.invoke("JoinRoom", { roomId: state.roomId, displayName: state.name || null, mediaState });
    state.peerId = result.peerId;
    state.connectionMode = result.connectionMode;
    state.iceServers = result.iceServers.map((s) => ({ urls: s.urls, username: s.username ?? undefined, credential: s.credential ?? undefined }));
    state.members = Object.fromEntries(result.peers.map((p) => [p.peerId, p]));
    for (const peer of result.peers.filter((p) => p.isActive)) replacePeer(peer.peerId, true);
    state.joined = true;
    state.joinCount++;
    render();
  });
}

function hasTrack(kind) {
  return state.localStream?.getTracks().some((t) => t.kind === kind) ?? false;
}

function relay(method, payload) {
  return connection.invoke(method, { roomId: state.roomId, ...payload }).catch((error) => recordError(method, error));
}

function replacePeer(peerId, polite, { awaitOffer = false } = {}) {
  closePeer(peerId);
  const pc = new RTCPeerConnection({ iceServers: state.iceServers });
  // Negotiated with a fixed id on both ends: neither side waits for the other's ondatachannel,
  // and glare cannot produce two chat channels.
  const channel = pc.createDataChannel("chat", { negotiated: true, id: 0 });
  const peer = { peerId, polite, pc, channel, makingOffer: false, ignoreOffer: false, settingRemoteAnswer: false, stream: null, awaitOffer };
  state.peers.set(peerId, peer);

  // Perfect negotiation resolves glare, but Chromium sometimes stops gathering ICE candidates for
  // a peer connection whose first offer was rolled back in a collision, leaving that pair at ICE
  // "new" for good. Both sides offering at once is the rule when someone joins, so the older member
  // waits for the newcomer's offer; the newcomer's offer carries both sides' tracks and the chat
  // channel. If it never comes (a client that only answers), the older member offers after all.
  if (awaitOffer) {
    setTimeout(() => {
      if (peer.awaitOffer && state.peers.get(peerId) === peer) {
        peer.awaitOffer = false;
        pc.onnegotiationneeded();
      }
    }, 5000);
  }

  for (const track of state.localStream?.getTracks() ?? []) pc.addTrack(track, state.localStream);

  pc.onnegotiationneeded = async () => {
    if (peer.awaitOffer) return;
    try {
      peer.makingOffer = true;
      await pc.setLocalDescription();
      await relay("Offer", { toPeerId: peerId, sdp: pc.localDescription.sdp });
    } catch (error) {
      recordError("negotiation", error);
    } finally {
      peer.makingOffer = false;
    }
  };
  pc.onicecandidate = ({ candidate }) => {
    // A null (or, in older browsers, empty) candidate is end-of-candidates; the hub relays null as such.
    const init = candidate && candidate.candidate ? candidate.toJSON() : null;
    relay("IceCandidate", { toPeerId: peerId, candidate: init });
  };
  pc.ontrack = ({ streams: [stream] }) => {
    peer.stream = stream;
    render();
  };
  pc.oniceconnectionstatechange = () => {
    // "failed" needs a fresh ICE round; the impolite side's restart goes through negotiationneeded.
    if (pc.iceConnectionState === "failed") pc.restartIce();
    render();
  };
  pc.onconnectionstatechange = render;
  pc.onsignalingstatechange = render;
  channel.onopen = render;
  channel.onclose = render;
  channel.onmessage = ({ data }) => {
    try {
      const message = JSON.parse(data);
      state.messages.push({ from: peerId, name: String(message.name ?? peerId), text: String(message.text ?? ""), at: Date.now() });
    } catch {
      state.messages.push({ from: peerId, name: peerId, text: String(data), at: Date.now() });
    }
    render();
  };
  return peer;
}

// Perfect negotiation (W3C WebRTC 1.0, section 10.7): the polite side yields on glare, the impolite side ignores the colliding offer.
async function onDescription(fromPeerId, description) {
  // An offer from someone we have not heard about can only come from a newer joiner that saw us in its join result.
  const peer = state.peers.get(fromPeerId) ?? replacePeer(fromPeerId, false);
  const { pc } = peer;
  if (description.type === "offer") peer.awaitOffer = false;
  const readyForOffer = !peer.makingOffer && (pc.signalingState === "stable" || peer.settingRemoteAnswer);
  const collision = description.type === "offer" && !readyForOffer;
  peer.ignoreOffer = !peer.polite && collision;
  if (peer.ignoreOffer) return;

  peer.settingRemoteAnswer = description.type === "answer";
  await pc.setRemoteDescription(description);
  peer.settingRemoteAnswer = false;
  if (description.type === "offer") {
    await pc.setLocalDescription();
    await relay("Answer", { toPeerId: fromPeerId, sdp: pc.localDescription.sdp });
  }
}

async function onCandidate(fromPeerId, candidate) {
  const peer = state.peers.get(fromPeerId);
  if (!peer) return;
  try {
    // No argument means end-of-candidates.
    await (candidate ? peer.pc.addIceCandidate(candidate) : peer.pc.addIceCandidate());
  } catch (error) {
    // Candidates for an offer we deliberately ignored are expected to fail.
    if (!peer.ignoreOffer) recordError("addIceCandidate", error);
  }
}

function closePeer(peerId) {
  const peer = state.peers.get(peerId);
  if (!peer) return;
  peer.channel.close();
  peer.pc.close();
  state.peers.delete(peerId);
}

function closeAllPeers() {
  for (const peerId of [...state.peers.keys()]) closePeer(peerId);
  render();
}

function sendChat(text) {
  const payload = JSON.stringify({ name: state.name || state.peerId, text });
  let sent = 0;
  for (const peer of state.peers.values()) {
    if (peer.channel.readyState === "open") {
      peer.channel.send(payload);
      sent++;
    }
  }
  state.messages.push({ from: state.peerId, name: "you", text, at: Date.now() });
  render();
  return sent;
}

function cell(text, stateClass) {
  const td = document.createElement("td");
  td.textContent = text;
  if (stateClass) td.className = `state-${stateClass}`;
  return td;
}

function render() {
  const status = $("status");
  status.textContent = state.peerId
    ? `${state.hubState} · room ${state.roomId} as ${state.peerId}${state.connectionMode ? ` · ${state.connectionMode}` : ""}`
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

  renderVideos();

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

function renderVideos() {
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

$("chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("chat-text").value.trim();
  if (text) sendChat(text);
  $("chat-text").value = "";
});

async function main() {
  $("room").value = state.roomId ?? "";
  $("name").value = state.name;
  render();
  // Without a room the page is just the form; submitting it reloads with ?room=…&name=….
  if (!state.roomId) return;
  $("join-form").querySelector("button").disabled = true;
  state.peerId = ownPeerId();
  await startMedia();
  try {
    setHubState("connecting");
    await connection.start();
    setHubState("connected");
    await join();
  } catch (error) {
    setHubState("disconnected");
    recordError("start", error);
  }
}

main();
