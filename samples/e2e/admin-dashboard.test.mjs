// The admin dashboard and the .NET sample device against the real service: presence, a request
// queued while the device is offline, then delivered and accepted when it comes back.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { baseUrl, launch, openPage, screenshotDir, stepTimeout, uniqueId } from "./browser.mjs";
import { repoRoot, spawnWithOutput, stopProcess } from "./processes.mjs";

const deviceDll = path.join(repoRoot, "samples/DotNetClient/bin/Release/net10.0/DotNetClient.dll");

function startDevice(args) {
  return spawnWithOutput("dotnet", [deviceDll, "--server", baseUrl, ...args]);
}

describe("admin dashboard", { skip: !existsSync(deviceDll) && "DotNetClient is not built" }, () => {
  let browser;
  const devices = [];
  before(async () => { browser = await launch(); });
  after(async () => {
    await Promise.all(devices.map(stopProcess));
    await browser?.close();
  });

  test("a request queued for an offline device is delivered and accepted when it starts", async () => {
    const org = uniqueId("org");
    const deviceId = uniqueId("kiosk");
    const page = await openPage(browser, `/samples/admin-dashboard/?org=${org}&admin=ops-${org}&name=Ops`, console.log);
    try {
      await page.waitForFunction(() => window.dashboard?.ready === true, null, { timeout: stepTimeout });

      // First contact makes the device known to the org; only known devices can have requests queued.
      const first = startDevice(["--id", deviceId, "--name", "Kiosk 7", "--org", org]);
      devices.push(first);
      await page.waitForFunction((id) => window.dashboard.clients[id]?.status === "online", deviceId, { timeout: stepTimeout });
      await stopProcess(first);
      await page.waitForFunction((id) => window.dashboard.clients[id]?.status === "offline", deviceId, { timeout: stepTimeout });

      const result = await page.evaluate((id) => window.dashboard.sendRequest(id, "high", { reason: "e2e support call" }), deviceId);
      assert.equal(result?.status, "queued", JSON.stringify(await page.evaluate(() => window.dashboard.errors)));

      const second = startDevice(["--id", deviceId, "--name", "Kiosk 7", "--org", org, "--accept"]);
      devices.push(second);
      await page.waitForFunction((id) => window.dashboard.clients[id]?.status === "online", deviceId, { timeout: stepTimeout });
      await page.waitForFunction((requestId) => window.dashboard.requests[requestId]?.status === "accepted",
        result.requestId, { timeout: stepTimeout });
      const request = await page.evaluate((requestId) => window.dashboard.requests[requestId], result.requestId);
      assert.deepEqual(request.path, ["queued", "delivered", "accepted"]);
      assert.equal(request.answerData?.device, deviceId);

      // A request the admin takes back while the device is away ends as cancelled and is never delivered.
      await stopProcess(second);
      await page.waitForFunction((id) => window.dashboard.clients[id]?.status === "offline", deviceId, { timeout: stepTimeout });
      const withdrawn = await page.evaluate((id) => window.dashboard.sendRequest(id, "low", "never mind"), deviceId);
      assert.equal(withdrawn?.status, "queued");
      await page.evaluate((requestId) => window.dashboard.cancel(requestId), withdrawn.requestId);
      await page.waitForFunction((requestId) => window.dashboard.requests[requestId]?.status === "cancelled",
        withdrawn.requestId, { timeout: stepTimeout });

      await page.evaluate((id) => window.dashboard.showHistory(id), deviceId);
      await page.waitForFunction(() => window.dashboard.history?.events.some((e) => e.type === "request_cancelled"),
        null, { timeout: stepTimeout });
      assert.deepEqual(await page.evaluate(() => window.dashboard.errors), []);
      await page.screenshot({ path: path.join(screenshotDir, "admin-dashboard.png"), fullPage: true });
    } catch (error) {
      console.log(devices.map((d) => d.output).join("\n---\n"));
      console.log(JSON.stringify(await page.evaluate(() => window.dashboard?.state).catch(String), null, 2));
      throw error;
    } finally {
      await page.context().close();
    }
  });
});
