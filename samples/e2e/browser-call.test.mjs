// The browser-call sample against the real service: real RTCPeerConnections, ICE over this
// machine's host candidates, chat over the data channel.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { launch, openPage, screenshotDir, stepTimeout, uniqueId } from "./browser.mjs";

const connected = ["connected", "completed"];

// query[name] is added to that page's URL; prepare[name] runs before it loads.
async function joinAll(browser, room, names, { query = {}, prepare = {} } = {}) {
  const pages = [];
  for (const name of names) {
    const page = await openPage(browser, `/samples/browser-call/?room=${room}&name=${name}${query[name] ?? ""}`, console.log, prepare[name]);
    await page.waitForFunction(() => window.sample?.joined === true, null, { timeout: stepTimeout });
    pages.push(page);
  }
  return pages;
}

// A full mesh: every page has an ICE-connected peer connection with an open chat channel to each other page.
async function waitForMesh(pages) {
  const ids = await Promise.all(pages.map((p) => p.evaluate(() => window.sample.peerId)));
  await Promise.all(pages.map((page, i) => page.waitForFunction(
    ({ others, ok }) => others.every((id) => ok.includes(window.sample.iceStates[id]) && window.sample.channelStates[id] === "open"),
    { others: ids.filter((_, j) => j !== i), ok: connected },
    { timeout: stepTimeout })));
  return ids;
}

async function diagnostics(pages) {
  return Promise.all(pages.map((p) => p.evaluate(() => ({
    peerId: window.sample.peerId, ice: window.sample.iceStates, channels: window.sample.channelStates, signaling: window.sample.signalingStates,
    errors: window.sample.errors, events: window.sample.events,
  })).catch((e) => String(e))));
}

describe("browser call", () => {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });

  test("two pages connect and chat over the data channel", async () => {
    const room = uniqueId("pair");
    const pages = await joinAll(browser, room, ["alice", "bob"]);
    try {
      const [aliceId, bobId] = await waitForMesh(pages);

      const sent = await pages[0].evaluate(() => window.sample.sendChat("hello bob"));
      assert.equal(sent, 1);
      await pages[1].waitForFunction((from) => window.sample.messages.some((m) => m.from === from && m.text === "hello bob"),
        aliceId, { timeout: stepTimeout });
      await pages[1].evaluate(() => window.sample.sendChat("hi alice"));
      await pages[0].waitForFunction((from) => window.sample.messages.some((m) => m.from === from && m.text === "hi alice"),
        bobId, { timeout: stepTimeout });

      // Fake camera frames actually arrive: the remote video has decoded something.
      await pages[0].waitForFunction(() => [...document.querySelectorAll("figure[data-peer-id] video")].some((v) => v.videoWidth > 0),
        null, { timeout: stepTimeout });
      assert.deepEqual(await pages[0].evaluate(() => window.sample.errors), []);
      await pages[0].screenshot({ path: path.join(screenshotDir, "browser-call.png"), fullPage: true });
    } catch (error) {
      console.log(JSON.stringify(await diagnostics(pages), null, 2));
      throw error;
    } finally {
      await Promise.all(pages.map((p) => p.context().close()));
    }
  });

  test("three pages reach a full mesh", async () => {
    const room = uniqueId("mesh");
    const pages = await joinAll(browser, room, ["ann", "ben", "cat"]);
    try {
      const ids = await waitForMesh(pages);
      for (const [i, page] of pages.entries()) {
        const peers = await page.evaluate(() => window.sample.peers);
        assert.deepEqual(peers.sort(), ids.filter((_, j) => j !== i).sort());
      }
    } catch (error) {
      console.log(JSON.stringify(await diagnostics(pages), null, 2));
      throw error;
    } finally {
      await Promise.all(pages.map((p) => p.context().close()));
    }
  });

  test("a MessagePack page and a JSON page call each other and read the same payloads; refusals carry their codes", async () => {
    const room = uniqueId("msgpack");
    const sent = [];
    const watchFrames = (page) => page.on("websocket", (ws) => ws.on("framesent", (frame) => sent.push(typeof frame.payload)));
    const pages = await joinAll(browser, room, ["mia", "jay"], { query: { mia: "&protocol=messagepack" }, prepare: { mia: watchFrames } });
    try {
      const [miaId, jayId] = await waitForMesh(pages);
      assert.deepEqual(await Promise.all(pages.map((p) => p.evaluate(() => window.sample.protocol))), ["messagepack", "json"]);
      // The handshake is JSON text; everything after it went as binary MessagePack frames.
      assert.equal(sent[0], "string");
      assert.ok(sent.length > 3 && sent.slice(1).every((type) => type !== "string"), JSON.stringify(sent));

      // What the MessagePack page gets back is what the JSON page is told about it, nested values included.
      const profile = { langs: ["en", "fr"], age: 31, score: 1.5, ok: true, none: null, big: 12345678901234, deep: [{ x: [1, [2]] }] };
      const updated = await pages[0].evaluate(({ room, profile }) => window.sample.invoke("UpdateUserData", { roomId: room, userData: { profile } }), { room, profile });
      assert.deepEqual(updated.userData.profile, profile);
      await pages[1].waitForFunction((id) => window.sample.members[id]?.userData?.profile, miaId, { timeout: stepTimeout });
      assert.deepEqual(await pages[1].evaluate((id) => window.sample.members[id], miaId), updated);

      // The message of the error the page's invoke() rejects with, as a user of @microsoft/signalr reads it.
      const refusal = (method, ...args) => pages[0].evaluate(({ method, args }) =>
        window.sample.invoke(method, ...args).then(() => "no error", (error) => error.message), { method, args });
      assert.match(await refusal("Offer", { roomId: room, toPeerId: "nobody", sdp: "v=0" }), /^PEER_NOT_FOUND: /);
      assert.match(await refusal("Offer", 42), /^INVALID_ARGUMENT: /);
      assert.match(await refusal("NoSuchMethod"), /^INVALID_ARGUMENT: unknown method/);

      // Still connected: the chat goes on, both ways.
      assert.equal(await pages[0].evaluate(() => window.sample.sendChat("after the refusals")), 1);
      await pages[1].waitForFunction((from) => window.sample.messages.some((m) => m.from === from && m.text === "after the refusals"),
        miaId, { timeout: stepTimeout });
      await pages[1].evaluate(() => window.sample.sendChat("heard you"));
      await pages[0].waitForFunction((from) => window.sample.messages.some((m) => m.from === from && m.text === "heard you"),
        jayId, { timeout: stepTimeout });
      assert.equal(await pages[0].evaluate(() => window.sample.hubState), "connected");
    } catch (error) {
      console.log(JSON.stringify(await diagnostics(pages), null, 2));
      throw error;
    } finally {
      await Promise.all(pages.map((p) => p.context().close()));
    }
  });
});
