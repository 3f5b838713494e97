// Driven by NetworkDropTests: peer A relays numbered ICE candidates to peer B without pause; B's
// TCP connection runs through a proxy the test cuts mid-stream. B's client opted into stateful
// reconnect, so it must reconnect its transport on its own and the server must replay what B had
// not acknowledged: B checks that every number arrives exactly once and in order.
//
// Protocol with the test, one JSON object per line:
//   argv[2]  config { urlA, urlB, tokenA, tokenB, peerB, roomId, before, after, timeoutMs,
//            stateful } — stateful: false is the control run, B without stateful reconnect
//   stdout   {"event":"cut-me"} once B has received `before` messages; the test cuts B's proxy,
//            then writes "cut" on stdin; A keeps sending throughout and sends `after` more
//            messages after "cut" arrives.
//   stdout   {"event":"result", ...} last.
import * as signalR from "@microsoft/signalr";
import WebSocket from "ws";
import { createInterface } from "node:readline";

const config = JSON.parse(process.argv[2]);
const emit = (o) => process.stdout.write(JSON.stringify(o) + "\n");

let cutAcknowledged;
const cutDone = new Promise((resolve) => { cutAcknowledged = resolve; });
createInterface({ input: process.stdin }).on("line", (line) => { if (line.trim() === "cut") cutAcknowledged(); });

// Counting B's sockets is the evidence that the transport really was replaced, not merely idle;
// the gap between the first one closing and the second opening is how long B was off the network.
let bSockets = 0;
let bDroppedAt = null;
let bGapMs = null;
let sentWhenBack = null;
class CountingWebSocket extends WebSocket {
  constructor(...args) {
    super(...args);
    bSockets++;
    this.on("open", () => { if (bDroppedAt !== null && bGapMs === null) { bGapMs = Number(process.hrtime.bigint() - bDroppedAt) / 1e6; sentWhenBack = sent; } });
    this.on("close", () => { if (bDroppedAt === null) bDroppedAt = process.hrtime.bigint(); });
  }
}

const connect = async (url, token, webSocket) => {
  const builder = new signalR.HubConnectionBuilder()
    .withUrl(`${url}/hubs/signaling`, {
      accessTokenFactory: () => token,
      transport: signalR.HttpTransportType.WebSockets,
      ...(webSocket ? { WebSocket: webSocket } : {}),
    })
    .configureLogging(signalR.LogLevel.None);
  const c = (config.stateful ? builder.withStatefulReconnect() : builder).build();
  await c.start();
  return c;
};

const failAfter = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} not done within ${ms} ms`)), ms).unref());

const a = await connect(config.urlA, config.tokenA);
const b = await connect(config.urlB, config.tokenB, CountingWebSocket);
const bConnectionId = b.connectionId;

const received = [];
let bClosed = null;
const peerLeftSeenByA = [];
let reachedBefore;
const beforeReached = new Promise((resolve) => { reachedBefore = resolve; });
let total = Infinity;
let reachedTotal;
const allReceived = new Promise((resolve) => { reachedTotal = resolve; });

b.on("IceCandidate", (e) => {
  received.push(Number(/seq=(\d+)/.exec(e.candidate.candidate)[1]));
  if (received.length === config.before) reachedBefore();
  if (received.length >= total) reachedTotal();
});
b.onclose((e) => { bClosed = String(e ?? "closed"); });
a.on("PeerLeft", (e) => peerLeftSeenByA.push(e));

await a.invoke("JoinRoom", { roomId: config.roomId, displayName: "A" });
await b.invoke("JoinRoom", { roomId: config.roomId, displayName: "B" });

let sent = 0;
let cut = false;
let sentAtCut = null;
let afterCut = 0;
let sendError = null;
cutDone.then(() => { cut = true; sentAtCut = sent; });
beforeReached.then(() => emit({ event: "cut-me" }));

const sending = (async () => {
  // A's own connection is not cut: every invoke resolves once the server has handed the message on.
  while (!cut || afterCut < config.after) {
    const seq = sent + 1;
    // Without stateful reconnect B leaves the room, and relays to it are refused: the control run stops there.
    if (bClosed !== null) return;
    try {
      await a.invoke("IceCandidate", {
        roomId: config.roomId,
        toPeerId: config.peerB,
        candidate: { candidate: `candidate:1 1 udp 2122260223 192.0.2.1 ${50000 + (seq % 10000)} typ host seq=${seq}`, sdpMid: "0", sdpMLineIndex: 0 },
      });
    } catch (e) {
      sendError = String(e);
      return;
    }
    sent = seq;
    if (cut) afterCut++;
  }
})();

let error = null;
try {
  await Promise.race([sending, failAfter(config.timeoutMs, "sending")]);
  total = sent;
  if (received.length >= total) reachedTotal();
  if (bClosed === null) await Promise.race([allReceived, failAfter(config.timeoutMs, "receiving")]);
} catch (e) {
  error = String(e);
}

const duplicates = received.length - new Set(received).size;
let outOfOrder = 0;
for (let i = 1; i < received.length; i++) if (received[i] <= received[i - 1]) outOfOrder++;
const seen = new Set(received);
const missing = [];
for (let s = 1; s <= sent; s++) if (!seen.has(s)) missing.push(s);

emit({
  event: "result",
  error,
  sent,
  sentAtCut,
  sendError,
  stateful: config.stateful,
  bGapMs,
  // Acknowledged by the server while B had no socket: these reached B only from the server's replay buffer.
  sentWhileDown: sentWhenBack === null ? null : sentWhenBack - sentAtCut,
  received: received.length,
  missing: missing.length,
  firstMissing: missing.slice(0, 10),
  duplicates,
  outOfOrder,
  inOrderExactlyOnce: received.length === sent && received.every((s, i) => s === i + 1),
  bSockets,
  bClosed,
  bState: b.state,
  bSameConnection: b.connectionId === bConnectionId,
  peerLeftSeenByA,
});

await Promise.allSettled([a.stop(), b.stop()]);
process.exit(0);
