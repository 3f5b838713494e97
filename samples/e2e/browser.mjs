// Shared setup for the browser tests: one headless Debian Chromium with fake camera and
// microphone, one isolated context per simulated user.
import { chromium } from "playwright-core";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const baseUrl = process.env.E2E_BASE_URL ?? "http://127.0.0.1:5000";
// Test artifacts, not sources: each run writes them afresh (docs/screenshots holds the copies the READMEs show).
export const screenshotDir = process.env.SCREENSHOT_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "artifacts");

// Generous but bounded: two shared cores, several pages encoding fake video at once.
export const stepTimeout = 45_000;

export async function launch() {
  return chromium.launch({
    executablePath: process.env.E2E_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      // Plain host candidates instead of mDNS names: nothing resolves .local names in a container.
      "--disable-features=WebRtcHideLocalIpsWithMdns",
      "--allow-loopback-in-peer-connection",
      // Containers often run as root, where Chromium refuses to start sandboxed.
      "--no-sandbox",
    ],
  });
}

// prepare(page) runs before the page loads, for listeners that must see its first requests.
export async function openPage(browser, url, log, prepare) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  await context.grantPermissions(["camera", "microphone"], { origin: baseUrl });
  const page = await context.newPage();
  await prepare?.(page);
  page.on("pageerror", (error) => log?.(`pageerror ${url}: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") log?.(`console ${url}: ${message.text()}`);
  });
  await page.goto(new URL(url, baseUrl).href);
  return page;
}

export function uniqueId(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
