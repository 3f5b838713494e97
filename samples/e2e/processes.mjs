// Processes the end-to-end tests start themselves: each is stopped through the handle it was
// started with, never by name.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export const repoRoot = process.env.E2E_REPO_ROOT ?? path.resolve(import.meta.dirname, "../..");
const hubDll = path.join(repoRoot, "Signaling.Hub/bin/Release/net10.0/Signaling.Hub.dll");

/** Starts a process whose stdout and stderr collect, interleaved, in `child.output`. */
export function spawnWithOutput(command, args, options = {}) {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  child.output = "";
  child.stdout.on("data", (chunk) => { child.output += chunk; });
  child.stderr.on("data", (chunk) => { child.output += chunk; });
  return child;
}

/** SIGTERM, then SIGKILL if the process is still there after the grace period. */
export async function stopProcess(child, graceMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * A service of its own (the built hub, Production unless `env` says otherwise, a fresh SQLite
 * file and files folder) on a port the system picks; resolves once it logs where it listens.
 * `env` and `args` configure it the way an operator would.
 */
export async function startService({ env = {}, args = [] } = {}, startTimeoutMs = 90_000) {
  const work = await mkdtemp(path.join(os.tmpdir(), "signaling-e2e-"));
  const child = spawnWithOutput("dotnet", [hubDll, "--urls", "http://127.0.0.1:0",
    `--Signaling:Storage:Sqlite:Path=${path.join(work, "signaling.db")}`,
    `--Signaling:Files:Directory=${path.join(work, "files")}`, ...args], {
    cwd: path.join(repoRoot, "Signaling.Hub"),
    env: { ...process.env, ASPNETCORE_ENVIRONMENT: "Production", ...env },
  });
  const stop = async () => {
    await stopProcess(child);
    await rm(work, { recursive: true, force: true });
  };
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the service did not listen within ${startTimeoutMs} ms`)), startTimeoutMs);
      const read = () => {
        const listening = /Now listening on: (http:\/\/\S+)/.exec(child.output);
        if (listening) { clearTimeout(timer); resolve(listening[1]); }
      };
      child.stdout.on("data", read);
      child.stderr.on("data", read);
      child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`the service exited (${code}) before listening`)); });
    });
    return { url, child, stop };
  } catch (error) {
    await stop();
    error.message += `; its output:\n${child.output}`;
    throw error;
  }
}
