/**
 * Deciding around pending calls (runtime/store-protocol.ts `pendingWorlds`): a call another replica
 * recorded in `begin` and has not settled yet may turn out let through or blocked, so the enforcer
 * decides under each outcome and keeps the strictest. Property: whatever the policies (`not`,
 * `and`, `or` over session labels, tools called and `resource is new`; block, approval and allow
 * at different priorities) and whichever pending calls were in truth let through, the decision is
 * never less strict than the one taken on the true session state. And the outcomes themselves:
 * only what a condition reads and the session lacks counts, duplicates collapse, too many block.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createEnforcer } from "../../../runtime/index.js";
import type { PendingCall, SessionStore, StateSnapshot } from "../../../runtime/store.js";
import type { Decision } from "../../../runtime/types.js";
import { MAX_UNSETTLED, pendingWorlds, sessionAtoms } from "../../../runtime/store-protocol.js";
import { compile, request } from "./helpers.js";

const T0 = "2026-11-23T10:00:00Z";
const RANK: Record<Decision["effect"], number> = { allow: 0, require_approval: 1, block: 2 };
const LABELS = ["private_data", "untrusted_content", "seen:SECRETS"];
const CALLED = ["github.get_me", "gmail.read_email"];

/** A store that answers every `begin` with one snapshot (what Redis would return). */
function fixed(snap: StateSnapshot): SessionStore {
  return { sync: false, begin: async () => snap, finish: () => undefined, respond: async () => ({ ts: 0, call: "none" }) };
}

function snapshot(labels: string[], called: string[], resourceSeen: boolean, pending?: PendingCall[]): StateSnapshot {
  return { ts: Date.parse(T0), lastTs: null, labels, called, revision: "", resourceSeen, spend: {}, ...(pending ? { pending } : {}) };
}

const atom = fc.constantFrom("session has private_data", "session has untrusted_content", "session has seen SECRETS", "session has called github.get_me", "session has called gmail.read_email", "resource is new");
const cond: fc.Arbitrary<string> = fc.letrec<{ c: string }>((tie) => ({
  c: fc.oneof({ depthSize: "small", withCrossShrink: true }, atom, atom.map((a) => `not ${a}`),
    fc.tuple(tie("c"), fc.constantFrom("and", "or"), tie("c")).map(([a, op, b]) => `(${a} ${op} ${b})`)),
})).c;
const policy = fc.record({ ifs: fc.array(cond, { minLength: 1, maxLength: 2 }), effect: fc.constantFrom("block", "require_approval", "allow"), priority: fc.integer({ min: 1, max: 3 }) });
const pendingCall = fc.record({ labels: fc.subarray(LABELS), called: fc.subarray(CALLED), resource: fc.boolean() });

describe("deciding around pending calls", () => {
  it("is never less strict than the decision on the true session state (property)", async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(policy, { minLength: 1, maxLength: 4 }), fc.subarray(LABELS), fc.subarray(CALLED), fc.boolean(),
      fc.array(fc.tuple(pendingCall, fc.boolean()), { maxLength: 3 }),
      async (policies, labels, called, resourceSeen, pending) => {
        const text = policies.map((p, i) => `policy "p${i}" { id p${i}\n  priority ${p.priority}\n  if tool is github.list_commits\n${p.ifs.map((c) => `  if ${c}\n`).join("")}  action ${p.effect} }`).join("\n");
        const bundle = compile(text);
        const ev = request(T0, "github.list_commits", { owner: "acme", repo: "web" });
        const around = await createEnforcer(bundle, { store: fixed(snapshot(labels, called, resourceSeen, pending.map(([c]) => c))) }).decideAsync(ev);
        const through = pending.filter(([, allowed]) => allowed).map(([c]) => c);
        const truth = snapshot([...new Set([...labels, ...through.flatMap((c) => c.labels)])], [...new Set([...called, ...through.flatMap((c) => c.called)])], resourceSeen || through.some((c) => c.resource));
        const real = await createEnforcer(bundle, { store: fixed(truth) }).decideAsync(ev);
        expect(RANK[around.effect], `${text}\n${JSON.stringify(pending)}\n${around.reason} / ${real.reason}`).toBeGreaterThanOrEqual(RANK[real.effect]);
      }), { numRuns: 150 });
  }, 120_000);

  const bundle = compile(`policy "t" { id t\n  if session has private_data or session has called github.get_me\n  if resource is new\n  action block }`);
  const atoms = sessionAtoms(bundle);

  it("counts only what a condition reads and the session does not have yet; identical calls are one", () => {
    const state = snapshot(["private_data"], [], false, [
      { labels: ["private_data", "external_communication"], called: [], resource: false }, // nothing new that is read
      { labels: [], called: ["github.get_me", "slack.post"], resource: false },
      { labels: [], called: ["github.get_me"], resource: false }, // same as the one before, once filtered
    ]);
    const worlds = pendingWorlds(state, atoms);
    expect(Array.isArray(worlds) && worlds.map((w) => w.called)).toEqual([["github.get_me"], []]);
    // Every pending call let through comes first; no world carries `pending` on.
    expect(Array.isArray(worlds) && worlds.every((w) => w.pending === undefined)).toBe(true);
  });

  it("a bundle whose conditions cannot be read (no \`ifs\`) counts every pending addition (fail closed)", () => {
    const opaque = { ...bundle, policies: bundle.policies.map(({ ifs: _, ...p }) => p) } as unknown as typeof bundle;
    const p: PendingCall[] = [{ labels: ["external_communication"], called: [], resource: false }];
    expect(pendingWorlds(snapshot([], [], false, p), sessionAtoms(opaque))).toHaveLength(2);
    expect(pendingWorlds(snapshot([], [], false, p), atoms)).toHaveLength(1);
  });

  it("a pending resource counts only while the resource is still new", () => {
    const p: PendingCall[] = [{ labels: [], called: [], resource: true }];
    expect(pendingWorlds(snapshot([], [], false, p), atoms)).toHaveLength(2);
    expect(pendingWorlds(snapshot([], [], true, p), atoms)).toHaveLength(1);
  });

  it(`more than ${MAX_UNSETTLED} distinct pending calls block, with the reason`, async () => {
    const tools = Array.from({ length: 7 }, (_, i) => `linear.tool_${i}`);
    const p: PendingCall[] = tools.map((t) => ({ labels: [], called: [t], resource: false }));
    expect(pendingWorlds(snapshot([], [], false, p), { labels: new Set(), called: new Set(tools), resource: false, all: false })).toMatch(/^7 earlier calls of this session are not yet recorded/);
    const d = await createEnforcer(bundle, { store: fixed(snapshot([], [], false, Array.from({ length: 7 }, (_, i) => ({ labels: i % 2 ? ["private_data"] : [], called: i ? [] : ["github.get_me"], resource: i > 3 })))) })
      .decideAsync(request(T0, "github.list_commits", { owner: "acme", repo: "web" }));
    // Four distinct calls here (the rest repeat them or add nothing read): decided around, not blocked for their number.
    expect(d.notes?.join()).toMatch(/decided under each outcome \(16\)/);
  });
});
