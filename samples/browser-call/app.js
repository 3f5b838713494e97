// A mesh call through the signaling hub: one RTCPeerConnection per other member, perfect
// negotiation, trickle ICE, a data channel for chat and camera/microphone when there is one.
import { createMesh } from "./peers.js";
import { render as draw } from "./view.js";

const signalR = window.signalR;
const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);

const state = {
  roomId: params.get("room"),
  name: params.get("name") || "",
  protocol: params.get("protocol") === "messagepack" ? "messagepack" : "json",
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
  get protocol() { return state.protocol; },
  sendChat: (text) => sendChat(text),
  // Any hub call from the console: sample.invoke("Ping") or sample.invoke("UpdateUserData", { roomId, userData }).
  invoke: (method, ...args) => connection.invoke(method, ...args),
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
    // ?org= puts the token in the organization of a room made with POST /api/rooms (its joinLink says it).
    body: JSON.stringify({ sub, name: state.name || sub, org: params.get("org") || undefined }),
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

const builder = new signalR.HubConnectionBuilder()
  .withUrl("/hubs/signaling", {
    // Called again on every reconnect: a fresh token survives the old one expiring.
    accessTokenFactory: () => devToken(state.peerId),
  })
  .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => Math.min(10_000, 500 * 2 ** ctx.previousRetryCount) })
  .withStatefulReconnect()
  .configureLogging(signalR.LogLevel.Warning);
// ?protocol=messagepack: binary frames instead of JSON text, same payloads (the transport falls
// back to long polling, never to Server-Sent Events, which carry text only).
if (state.protocol === "messagepack") builder.withHubProtocol(new signalR.protocols.msgpack.MessagePackHubProtocol());
const connection = builder.build();

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

function render() {
  draw(state);
}

const { replacePeer, onDescription, onCandidate, closePeer, closeAllPeers, sendChat } = createMesh({ state, relay, recordError, render });

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
