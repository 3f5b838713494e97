// The README's tour and every snippet of docs/migrating.md, run with node against a real service, so
// the documents cannot drift from it. A snippet is a ```js block right after `<!-- snippet: name -->`;
// it asserts its own outcome, must end by itself (its connections stopped) within the time limit and
// exit 0; where `<!-- output: name -->` shows what it prints, it must print exactly that.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { baseUrl } from "./browser.mjs";
import { repoRoot, spawnWithOutput, startService, stopProcess } from "./processes.mjs";

const documents = ["README.md", "docs/migrating.md"];
const snippetTimeoutMs = 60_000;

// Snippets that need the service configured like the server they replace get a service of their own,
// configured through the environment as the guide says.
const jwtSecret = "the-same-JWT_SECRET-the-old-server-used-0123456789";
const ownService = {
  "jwt-agent-id": {
    env: {
      Signaling__Jwt__SigningKey: jwtSecret,
      Signaling__Jwt__PeerIdClaim: "agentId",
      Signaling__Jwt__ValidateIssuer: "false",
      Signaling__Jwt__ValidateAudience: "false",
    },
    snippetEnv: { JWT_SECRET: jwtSecret },
  },
};

function blocks(file) {
  const text = readFileSync(path.join(repoRoot, file), "utf8");
  const found = { snippets: new Map(), outputs: new Map(), unmarked: 0 };
  const fence = /(<!-- (snippet|output): ([\w-]+) -->\s*\n)?```(\w*)\n([\s\S]*?)\n```/g;
  for (const [, marker, kind, name, language, body] of text.matchAll(fence)) {
    if (!marker) {
      if (language === "js") found.unmarked++;
      continue;
    }
    const into = kind === "snippet" ? found.snippets : found.outputs;
    assert.ok(!into.has(name), `${file}: two ${kind} blocks named '${name}'`);
    into.set(name, body);
  }
  return found;
}

let scratch;
async function scratchDir() {
  // Snippets import @microsoft/signalr as a reader's script would: from a node_modules beside them.
  scratch ??= await mkdtemp(path.join(os.tmpdir(), "signaling-snippets-"));
  await symlink(path.join(repoRoot, "samples/node_modules"), path.join(scratch, "node_modules")).catch((e) => {
    if (e.code !== "EEXIST") throw e;
  });
  return scratch;
}

async function runSnippet(name, code, env) {
  const file = path.join(await scratchDir(), `${name}.mjs`);
  await writeFile(file, code);
  const child = spawnWithOutput(process.execPath, [file], { env: { ...process.env, ...env } });
  let stdout = "";
  child.stdout.on("data", (chunk) => { stdout += chunk; });
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; stopProcess(child, 2_000); }, snippetTimeoutMs);
  const [exitCode] = await once(child, "exit");
  clearTimeout(timer);
  assert.ok(!timedOut, `'${name}' did not end by itself within ${snippetTimeoutMs / 1000} s; its output:\n${child.output}`);
  assert.equal(exitCode, 0, `'${name}' failed; its output:\n${child.output}`);
  return stdout;
}

after(async () => { if (scratch) await rm(scratch, { recursive: true, force: true }); });

for (const document of documents) {
  const { snippets, outputs, unmarked } = blocks(document);

  describe(document, () => {
    test("every js block is a snippet that runs, and every shown output belongs to one", () => {
      assert.ok(snippets.size > 0, `${document} has no snippet`);
      assert.equal(unmarked, 0, `${document} has ${unmarked} js block(s) without a <!-- snippet: name --> marker`);
      for (const name of outputs.keys()) assert.ok(snippets.has(name), `output '${name}' has no snippet`);
    });

    for (const [name, code] of snippets) {
      test(name, async () => {
        const config = ownService[name];
        const service = config ? await startService(config) : null;
        try {
          const stdout = await runSnippet(name, code, { SIGNALING_URL: service?.url ?? baseUrl, ...config?.snippetEnv });
          if (outputs.has(name)) assert.equal(stdout.trimEnd(), outputs.get(name).trimEnd(), `'${name}' printed other lines than ${document} shows`);
        } finally {
          await service?.stop();
        }
      });
    }
  });
}
