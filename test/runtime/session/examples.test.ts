/**
 * The session examples (examples/sessions/): their inline and replay tests pass, and every
 * recorded session decides the same on the in-memory store and on a real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadShellParser } from "../../../compiler/shell/shell-parser.js";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { loadProject } from "../../../compiler/project.js";
import { buildBundle } from "../../../compiler/emit/index.js";
import { runTests } from "../../../testing/index.js";
import { readSessionFile } from "../../../testing/session/read.js";
import { createEnforcer, MemoryStore } from "../../../runtime/index.js";
import type { Bundle } from "../../../runtime/types.js";
import { createRedisStore, type RedisStore } from "../../../adapters/redis/index.js";
import { run } from "./helpers.js";
import { haveRedis, RedisServer } from "../../../bench/support/redis-server.js";

// `run "…"` steps and command strings are shell lines: the hosts load the parser first, as the CLI does.
beforeAll(() => loadShellParser());

const DIR = "examples/sessions";
const SESSIONS = join(DIR, "sessions");
const files = readdirSync(SESSIONS).filter((f) => f.endsWith(".jsonl")).sort();

function bundleOf(): Bundle {
  const { project } = loadProject([DIR]);
  const errors = project.diagnostics.filter((d) => d.severity === "error");
  expect(errors.map((d) => `${d.span.file}:${d.span.line} ${d.code} ${d.message}`)).toEqual([]);
  return buildBundle(project);
}

describe("examples/sessions", () => {
  it("compiles and every inline and replay test passes", () => {
    const { project } = loadProject([DIR]);
    const report = runTests(project, bundleOf(), { snapshots: "check" });
    const failed = report.results.filter((r) => !r.passed).map((r) => `${r.name}: ${r.failures.map((f) => f.message).join("; ")}`);
    expect(failed).toEqual([]);
    expect(report.passed).toBeGreaterThanOrEqual(12);
  });

  it("has one recorded session per session row of SPEC §9, each with dozens of events", () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) {
      const r = readSessionFile(join(SESSIONS, f));
      expect(r.bad, f).toEqual([]);
      expect(r.events.length, f).toBeGreaterThanOrEqual(20);
    }
  });
});

describe.skipIf(!haveRedis())("recorded sessions: in-memory store = Redis store", () => {
  let server: RedisServer;
  const stores: RedisStore[] = [];
  beforeAll(async () => { server = await RedisServer.start(); });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await server?.stop();
  });

  for (const f of files) {
    it(f, async () => {
      const bundle = bundleOf();
      const events = readSessionFile(join(SESSIONS, f)).events.map((e) => e.event);
      const redis = createRedisStore({ url: server.url, prefix: `ex:${f}:` });
      stores.push(redis);
      await redis.ready();
      const mem = await run(createEnforcer(bundle, { store: new MemoryStore() }), events);
      const red = await run(createEnforcer(bundle, { store: redis }), events);
      expect(red).toEqual(mem);
      expect(mem.some((d) => d.effect !== "allow"), "the session exercises its policy").toBe(true);
    });
  }
});
