/** Helpers for the session tests: compile a policy string, build events, run a session. */
import { loadCatalog } from "../../../compiler/catalog/load.js";
import { checkProject } from "../../../compiler/check/index.js";
import { buildBundle } from "../../../compiler/emit/index.js";
import type { Bundle, Decision, SessionEvent } from "../../../runtime/types.js";
import type { Enforcer } from "../../../runtime/enforcer.js";
import { afterAll, beforeAll } from "vitest";
import { createEnforcer, type SessionStore } from "../../../runtime/index.js";
import { createRedisStore, type RedisStore } from "../../../adapters/redis/index.js";
import { RedisServer } from "../../../bench/support/redis-server.js";

const catalog = loadCatalog().catalog;

/** Compiles policy text into a bundle; fails the test on any error diagnostic. */
export function compile(text: string, file = "t.policy"): Bundle {
  const project = checkProject([{ file, text }], catalog);
  const errors = project.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(errors.map((d) => `${d.code} ${d.span.line}:${d.span.column} ${d.message}`).join("\n"));
  return buildBundle(project);
}

export interface Who {
  session?: string;
  tenant?: string;
  agent?: string;
}

let seq = 0;

/** A `tool_call_request` for an MCP tool. */
export function request(ts: string, tool: string, args: Record<string, unknown> = {}, who: Who = {}, id?: string): SessionEvent {
  const dot = tool.indexOf(".");
  seq++;
  return {
    type: "tool_call_request",
    session_id: who.session ?? "s1",
    seq,
    ts,
    tenant: who.tenant ?? "acme",
    agent: { id: who.agent ?? "a1", name: who.agent ?? "Support Bot", review_status: "Approved" },
    call: { id: id ?? `c${seq}`, type: "mcp", integration: tool.slice(0, dot), tool: tool.slice(dot + 1), args },
  };
}

/** A `tool_call_response` with an optional cost. */
export function response(ts: string, callId: string, cost?: { amount: number; currency: string }, who: Who = {}, extra: Partial<SessionEvent> = {}): SessionEvent {
  return {
    type: "tool_call_response",
    session_id: who.session ?? "s1",
    ts,
    tenant: who.tenant ?? "acme",
    agent: { id: who.agent ?? "a1", name: who.agent ?? "Support Bot" },
    call_id: callId,
    result: { ok: true },
    ...(cost ? { cost } : {}),
    ...extra,
  };
}

/** ISO time `m` minutes and `s` seconds after a base time. */
export function at(base: string, m: number, s = 0): string {
  return new Date(Date.parse(base) + m * 60_000 + s * 1000).toISOString();
}

/** Runs events through an enforcer (async API); returns the decisions of the requests. */
export async function run(e: Enforcer, events: readonly SessionEvent[]): Promise<Decision[]> {
  const out: Decision[] = [];
  for (const ev of events) {
    if (ev.type === "tool_call_request" || ev.type === "agent_discovered") out.push(await e.decideAsync(ev));
    else await e.observe(ev);
  }
  return out;
}

/**
 * Two enforcers of `policies`, each with its own Redis store on one shared real redis-server (a
 * fresh key prefix per call): the replicas of the Redis scenarios. Starts the server before the
 * file's tests and stops it (and closes the stores) after.
 */
export function redisReplicas(policies: string, prefix: string): () => Promise<[Enforcer, Enforcer]> {
  let server: RedisServer;
  const stores: RedisStore[] = [];
  let n = 0;
  beforeAll(async () => { server = await RedisServer.start(); });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await server?.stop();
  });
  return async () => {
    const p = `${prefix}${n++}:`;
    // A generous deadline: a loaded test machine must not turn a slow answer into a block.
    const a = createRedisStore({ url: server.url, prefix: p, timeoutMs: 5000 });
    const b = createRedisStore({ url: server.url, prefix: p, timeoutMs: 5000 });
    stores.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    const bundle = compile(policies);
    return [createEnforcer(bundle, { store: a as SessionStore }), createEnforcer(bundle, { store: b as SessionStore })];
  };
}
