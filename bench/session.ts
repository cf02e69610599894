/**
 * Decisions per second with session conditions (trifecta labels, rate, burst, spend, new resource,
 * time window, external principal) on the in-memory store and on Redis, with the round-trips per
 * decision. Redis: `REDIS_URL` when set, else a redis-server started on a free local port (skipped
 * when the binary is missing). Called by bench/run.ts; also runnable alone:
 * `node --import tsx bench/session.ts`.
 */
import { loadCatalog } from "../compiler/catalog/load.js";
import { checkProject } from "../compiler/check/index.js";
import { buildBundle } from "../compiler/emit/index.js";
import { createEnforcer, MemoryStore } from "../runtime/index.js";
import type { SessionEvent } from "../runtime/types.js";
import { createRedisStore } from "../adapters/redis/index.js";
import { haveRedis, RedisServer } from "./support/redis-server.js";
import { benchSharedRedis, type SharedRedisRow } from "./redis-shared.js";

const POLICIES = `organization { domains ["northwind.com"] github_orgs ["northwind"] external_channels ["C0SHARED*"] }
policy "Lethal trifecta" { id lethal-trifecta
  if session has untrusted_content and session has private_data
  if tool has external_communication
  if principal is external
  action block, alert "exfiltration" to "#sec" }
policy "GitHub rate" { id github-rate
  if integration is GitHub
  if rate(5m, integration is GitHub) > 50
  action block }
policy "Deletes" { id delete-rate
  if operation is Delete
  if rate(1m, operation is Delete) > 5
  action block }
policy "Burst" { id burst
  if burst
  action require_approval }
policy "Budget" { id budget
  if spend today > 50 USD
  action block }
policy "New repo" { id new-repo
  if integration is GitHub
  if operation is Write
  if resource is new
  action require_approval }
policy "Office hours" { id office-hours
  if operation in [Write, Delete]
  if not time within "Mon-Fri 09:00-18:00" tz "Europe/Berlin"
  action require_approval }
`;

const TOOLS: [string, (i: number) => Record<string, unknown>][] = [
  ["gmail.read_email", (i) => ({ messageId: `m${i}` })],
  ["google_drive.read_file", (i) => ({ file_id: `f${i % 50}` })],
  ["github.list_issues", (i) => ({ owner: "northwind", repo: `r${i % 20}` })],
  ["github.create_issue", (i) => ({ owner: "northwind", repo: `r${i % 40}`, title: "t" })],
  ["slack.slack_post_message", (i) => ({ channel_id: i % 3 ? "C0TEAM" : "C0SHARED1", text: "status" })],
  ["linear.list_issues", () => ({})],
  ["dropbox.delete_file", (i) => ({ path: `/tmp/${i}` })],
  ["gmail.send_email", (i) => ({ to: [i % 2 ? "a@northwind.com" : "x@example.org"], subject: "s", body: "b" })],
];

/** A seeded stream of requests over `sessions` sessions (one agent each), ~2 s apart per session. */
export function events(n: number, sessions: number): SessionEvent[] {
  const out: SessionEvent[] = [];
  const t0 = Date.parse("2026-11-23T08:00:00Z");
  let x = 12345;
  const rnd = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < n; i++) {
    const s = i % sessions;
    const [tool, args] = TOOLS[Math.floor(rnd() * TOOLS.length)]!;
    const dot = tool.indexOf(".");
    out.push({
      type: "tool_call_request", session_id: `bench-${s}`, seq: i, ts: new Date(t0 + Math.floor(i / sessions) * 2000).toISOString(), tenant: "northwind",
      agent: { id: `agent-${s}`, name: `agent-${s}` },
      call: { id: `c${i}`, type: "mcp", integration: tool.slice(0, dot), tool: tool.slice(dot + 1), args: args(i) },
    });
  }
  return out;
}

export function bundle() {
  const project = checkProject([{ file: "bench-sessions.policy", text: POLICIES }], loadCatalog().catalog);
  const errors = project.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(errors.map((d) => d.message).join("; "));
  return buildBundle(project);
}

export interface SessionBench {
  readonly policies: number;
  readonly memory: { readonly decisions: number; readonly decisions_per_s: number };
  readonly redis:
    | { readonly decisions_sequential: number; readonly decisions_per_s_sequential: number; readonly decisions_concurrent: number; readonly decisions_per_s_concurrent: number; readonly concurrency: number; readonly round_trips_per_decision: number; readonly p50_ms: number; readonly p99_ms: number; readonly where: string }
    | { readonly skipped: string };
  /** 4 enforcers (each its own process, store and connection) sharing one Redis, 32 calls in flight each (bench/redis-shared.ts). */
  readonly redis_shared?: SharedRedisRow;
}

/** Runs the session benchmark; a few seconds. */
export async function benchSessions(opts: { quick?: boolean } = {}): Promise<SessionBench> {
  const quick = opts.quick ?? !!process.env["BENCH_QUICK"];
  const b = bundle();
  const nMem = quick ? 50_000 : 200_000;
  const memEvents = events(nMem, 200);
  const mem = createEnforcer(b, { store: new MemoryStore() });
  for (const e of memEvents.slice(0, 2000)) mem.decide(e); // warm up (fresh sessions below)
  const memFresh = createEnforcer(b, { store: new MemoryStore() });
  let t = performance.now();
  for (const e of memEvents) memFresh.decide(e);
  const memMs = performance.now() - t;
  const memory = { decisions: nMem, decisions_per_s: Math.round((nMem / memMs) * 1000) };

  let server: RedisServer | undefined;
  let url = process.env["REDIS_URL"];
  let redis: SessionBench["redis"];
  let redisShared: SharedRedisRow | undefined;
  try {
    if (!url) {
      if (!haveRedis()) return { policies: b.policies.length, memory, redis: { skipped: "redis-server is not installed and REDIS_URL is not set" } };
      server = await RedisServer.start();
      url = server.url;
    }
    const store = createRedisStore({ url, prefix: `bench:${Date.now()}:`, timeoutMs: 2000 });
    try {
      await store.ready();
      const e = createEnforcer(b, { store });
      const nSeq = quick ? 2000 : 10_000;
      const seq = events(nSeq, 100);
      const lat: number[] = [];
      store.roundTrips = 0;
      t = performance.now();
      for (const ev of seq) {
        const s = performance.now();
        const d = await e.decideAsync(ev);
        lat.push(performance.now() - s);
        if (d.reason.startsWith("session store unavailable")) throw new Error(d.reason);
      }
      const seqMs = performance.now() - t;
      const rt = store.roundTrips / nSeq;
      lat.sort((a, c) => a - c);
      const concurrency = 32;
      const nCon = quick ? 5000 : 30_000;
      const con = events(nCon, concurrency * 4).map((x) => ({ ...x, session_id: `c-${x.session_id}` }));
      const bySession = new Map<string, SessionEvent[]>();
      for (const x of con) { const l = bySession.get(x.session_id!) ?? []; l.push(x); bySession.set(x.session_id!, l); }
      const lanes = [...bySession.values()];
      t = performance.now();
      let next = 0;
      // Each worker takes whole sessions, so events of one session stay in order.
      await Promise.all(Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < lanes.length; i = next++) for (const x of lanes[i]!) await e.decideAsync(x);
      }));
      const conMs = performance.now() - t;
      redis = {
        decisions_sequential: nSeq, decisions_per_s_sequential: Math.round((nSeq / seqMs) * 1000),
        decisions_concurrent: nCon, decisions_per_s_concurrent: Math.round((nCon / conMs) * 1000), concurrency,
        round_trips_per_decision: Math.round(rt * 100) / 100,
        p50_ms: Math.round(lat[Math.floor(lat.length * 0.5)]! * 1000) / 1000,
        p99_ms: Math.round(lat[Math.floor(lat.length * 0.99)]! * 1000) / 1000,
        where: server ? "local redis-server started by the bench (127.0.0.1)" : `REDIS_URL`,
      };
    } finally {
      await store.close();
    }
    redisShared = await benchSharedRedis(url, { decisions: quick ? 2_500 : 10_000 });
  } catch (err) {
    redis = { skipped: `redis: ${(err as Error).message}` };
  } finally {
    await server?.stop();
  }
  return { policies: b.policies.length, memory, redis, ...(redisShared ? { redis_shared: redisShared } : {}) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchSessions(), null, 2));
}
