// Rooms made over HTTP, as an app would: the joinLink of a created room opens the browser call in
// that room, and the files its members share show in plain <img> elements by their url alone.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { baseUrl, launch, openPage, stepTimeout, uniqueId } from "./browser.mjs";

// The same real images Signaling.Tests/FileUploadTests.cs uploads.
const images = {
  "pixel.png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "pixel.jpg": "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT/2wBDAQMEBAUEBQkFBQkUDQsNFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBT/"
    + "wAARCAACAAIDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAj/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABQn/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCXAA6gr//Z",
  "pixel.gif": "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7",
  "pixel.webp": "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==",
};

async function call(method, path, token, body) {
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(typeof body === "string" ? { "content-type": "application/json" } : {}) },
    body,
  });
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
  return response.json();
}

const devToken = async (claims) => (await call("POST", "/api/dev/tokens", null, JSON.stringify(claims))).token;

describe("rooms made over HTTP", () => {
  let browser;
  before(async () => { browser = await launch(); });
  after(async () => { await browser?.close(); });

  test("a created room's joinLink joins it, and shared images show in <img> by their url", async () => {
    const org = uniqueId("org");
    const owner = await devToken({ sub: "owner", org });
    const created = await call("POST", "/api/rooms", owner, JSON.stringify({ name: "Linked" }));
    const page = await openPage(browser, created.joinLink, console.log);
    try {
      await page.waitForFunction(() => window.sample?.joined === true, null, { timeout: stepTimeout });
      const peerId = await page.evaluate(() => window.sample.peerId);
      const room = await call("GET", `/api/rooms/${created.roomId}`, owner);
      assert.deepEqual([room.activeCount, room.members.map((m) => m.peerId)], [1, [peerId]]);

      // The page's member shares the images (as its own identity, over HTTP).
      const member = await devToken({ sub: peerId, org });
      for (const [name, base64] of Object.entries(images)) {
        const form = new FormData();
        form.append("file", new Blob([Buffer.from(base64, "base64")]), name);
        await call("POST", `/api/rooms/${created.roomId}/files`, member, form);
      }

      // The urls the page was told about, loaded the way an app shows them: no token, no header.
      const urls = await (await page.waitForFunction((id) => {
        const files = window.sample.members[id]?.files ?? [];
        return files.length === 4 && files.map((f) => f.url);
      }, peerId, { timeout: stepTimeout })).jsonValue();
      const widths = await page.evaluate((list) => Promise.all(list.map((url) => new Promise((resolve) => {
        const img = new Image();
        img.onload = () => resolve(img.naturalWidth);
        img.onerror = () => resolve(0);
        img.src = url;
      }))), urls);
      assert.deepEqual(widths.map((w) => w > 0), [true, true, true, true], `decoded widths ${widths} for ${urls}`);
    } finally {
      await page.context().close();
    }
  });
});
