/**
 * Counting what real limits count, over both stores (the in-memory store and a real redis-server
 * shared by two enforcers, as replicas): sums of an argument over a calendar day in the tenant's
 * zone and over a sliding window, per-session counts, tenant- and integration-wide rates and bursts, and counting only calls
 * that were not blocked (a refused retry neither keeps the agent blocked nor uses up its quota).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnforcer, MemoryStore } from "../../../runtime/index.js";
import type { Enforcer } from "../../../runtime/enforcer.js";
import { compile, redisReplicas, request, at } from "./helpers.js";
import { haveRedis } from "../../../bench/support/redis-server.js";
import type { SessionEvent } from "../../../runtime/types.js";

const POLICIES = `organization { domains ["acme.com"] timezone "Europe/Berlin" tenant_timezones { globex: "America/New_York" } }
policy "Daily page budget" { id page-budget
  if tool is github.list_issues
  if sum(args.perPage, today, tool is github.list_issues) > 100
  action block "daily page budget" }
policy "Three issues per session" { id three-issues
  if tool is github.create_issue
  if count(session, tool is github.create_issue) >= 3
  action block "three issues per session" }
policy "Linear across the tenant" { id tenant-linear
  if integration is Linear
  if rate(this hour, tenant, allowed, integration is Linear) > 2
  action block "the tenant's Linear quota for this hour" }
policy "Slack across agents" { id slack-5m
  if integration is Slack
  if rate(5m, integration) > 3
  action block "Slack is busy" }
policy "Refused retries" { id retries
  if tool is linear.create_issue
  if rate(10m, allowed, tool is linear.create_issue) >= 2
  action block "two new issues per 10 minutes" }
policy "Hourly search pages, sliding" { id search-pages
  if tool is github.search_issues
  if sum(args.perPage, 1h, allowed, tool is github.search_issues) > 100
  action block "an hour's search pages" }
policy "Drive burst across the tenant" { id drive-burst
  if integration is google_drive
  if burst(tenant)
  action require_approval "the tenant's Drive traffic spiked" }
`;

const T0 = "2026-11-23T22:30:00Z"; // 23:30 in Berlin: its next day starts at 23:00Z

type Decide = (ev: SessionEvent) => Promise<string>;

/** The scenarios, each with its own session and agents, run against a pair of enforcers sharing a store. */
function scenarios(pair: () => Promise<[Enforcer, Enforcer]>): void {
  const deciders = async (): Promise<[Decide, Decide]> => {
    const [a, b] = await pair();
    return [async (ev) => (await a.decideAsync(ev)).effect, async (ev) => (await b.decideAsync(ev)).effect];
  };

  it("sum(args.perPage, today) includes the call being decided and starts again at local midnight", async () => {
    const [A, B] = await deciders();
    const list = (m: number, n: unknown, who = {}) => request(at(T0, m), "github.list_issues", { owner: "acme", repo: "web", perPage: n }, { session: "sum", agent: "summer", ...who });
    expect(await A(list(0, 40))).toBe("allow");
    expect(await B(list(1, 40))).toBe("allow");
    expect(await A(list(2, 21))).toBe("block"); // 101 > 100
    // Every call counts (not only those let through): 101 + 20.
    expect(await B(list(3, 20))).toBe("block");
    // A string amount counts like a number; a negative one never lowers the total.
    expect(await A(list(4, "-500"))).toBe("block");
    // Berlin's next day starts at 23:00Z.
    expect(await B(list(31, 90))).toBe("allow");
    expect(await A(list(32, "11"))).toBe("block");
  });

  it("sum(args.perPage, 1h, allowed) sums a sliding hour, the call included, and a refused call gives its amount back", async () => {
    const [A, B] = await deciders();
    const search = (m: number, n: number, s = 0) => request(at(T0, m, s), "github.search_issues", { query: "bug", perPage: n }, { session: "slide", agent: "slider" });
    expect(await A(search(0, 60))).toBe("allow");
    expect(await B(search(20, 30))).toBe("allow");
    expect(await A(search(30, 11))).toBe("block"); // 60 + 30 + 11 > 100 (the call being decided counts)
    // The refused 11 was given back: 90 + 10 is not over 100.
    expect(await B(search(31, 10))).toBe("allow");
    expect(await A(search(40, 1))).toBe("block");
    // The hour slides (it does not start again at a calendar boundary): the 60 of minute 0 drops out
    // when exactly an hour has passed, the rest stays.
    expect(await B(search(59, 59, 59))).toBe("block");
    expect(await A(search(60, 59))).toBe("allow"); // 30 + 10 + 59
    expect(await B(search(61, 2))).toBe("block"); // 30 + 10 + 59 + 2
  });

  it("count(session, tool is x) counts this session only", async () => {
    const [A, B] = await deciders();
    const issue = (m: number, session: string) => request(at(T0, m), "github.create_issue", { owner: "acme", repo: "web", title: "t" }, { session, agent: "counter" });
    expect([await A(issue(0, "c1")), await B(issue(1, "c1")), await A(issue(2, "c1"))]).toEqual(["allow", "allow", "block"]);
    expect(await B(issue(3, "c2"))).toBe("allow");
  });

  it("rate(this hour, tenant, allowed) counts every agent of the tenant, per local hour, and only calls let through", async () => {
    const [A, B] = await deciders();
    const lin = (m: number, agent: string, tenant = "acme") => request(at(T0, m), "linear.list_issues", {}, { session: `l-${agent}`, agent, tenant });
    expect(await A(lin(0, "l1"))).toBe("allow");
    expect(await B(lin(1, "l2"))).toBe("allow");
    expect(await A(lin(2, "l3"))).toBe("block");
    expect(await B(lin(3, "l4"))).toBe("block");
    // Another tenant has its own count.
    expect(await A(lin(4, "l5", "globex"))).toBe("allow");
    // The next local hour (00:00 Berlin = 23:00Z) starts again.
    expect(await B(lin(31, "l6"))).toBe("allow");
  });

  it("rate(5m, integration) counts one integration across agents, in a sliding window", async () => {
    const [A, B] = await deciders();
    const post = (m: number, s: number, agent: string) => request(at(T0, m, s), "slack.slack_post_message", { channel_id: "C1", text: "hi" }, { session: `s-${agent}`, agent, tenant: "slack-t" });
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await (i % 2 ? B : A)(post(0, i, `sa${i}`)));
    expect(seen).toEqual(["allow", "allow", "allow", "block"]);
    expect(await A(post(5, 30, "sa9"))).toBe("allow");
  });

  it("allowed: a refused retry neither uses up the quota nor keeps the agent blocked past the window", async () => {
    const [A, B] = await deciders();
    const create = (m: number) => request(at(T0, m), "linear.create_issue", { title: "x", teamId: "t" }, { session: "retry", agent: "retrier", tenant: "r" });
    expect(await A(create(0))).toBe("allow");
    expect(await B(create(1))).toBe("block");
    // The agent retries every minute: each refusal gives its place back.
    for (let m = 2; m < 10; m++) expect(await (m % 2 ? A : B)(create(m))).toBe("block");
    // 10 minutes after the only call that went through, the agent may call again.
    expect(await A(create(10))).toBe("allow");
  });

  it("burst(tenant): a spike across the tenant's agents against the tenant's baseline", async () => {
    const [A, B] = await deciders();
    const read = (m: number, s: number, agent: string) => request(at(T0, m, s), "google_drive.search", { query: "x" }, { session: `d-${agent}`, agent, tenant: "drive-t" });
    const out: string[] = [];
    for (let i = 0; i < 12; i++) out.push(await (i % 2 ? A : B)(read(0, i, `da${i % 4}`)));
    expect(out.slice(0, 9), out.join()).toEqual(Array(9).fill("allow"));
    expect(out.slice(9)).toEqual(["require_approval", "require_approval", "require_approval"]);
  });
}

describe("counting over the in-memory store (two enforcers sharing it)", () => {
  scenarios(async () => {
    const store = new MemoryStore();
    const b = compile(POLICIES);
    return [createEnforcer(b, { store }), createEnforcer(b, { store })];
  });
});

const available = haveRedis();

describe.skipIf(!available)("counting over Redis (two replicas, real redis-server)", () => {
  scenarios(redisReplicas(POLICIES, "count"));
});
