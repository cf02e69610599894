/**
 * Extended fast-check generators for the differential property and the fuzzer: random well-typed
 * projects over the small catalog with every static condition kind (both polarities), scopes,
 * statuses (drafts, deprecated), triggers, priorities, every effect, alerts with and without
 * message / channel, sanitize lists, custom detectors and every default form; and random events
 * that hit those corners (tenants, agent names in other cases, tool names in other cases, CLI
 * lines, unknown integrations and look-alikes, agent_discovered). `generators.ts` stays as it was.
 */
import fc from "fast-check";
import type { SessionEvent } from "../../runtime/types.js";
import { policyText, scopedDefaults } from "./generators.js";
import { userLeaf, withUsers } from "./generators-user.js";

const TOOLS = ["alpha.get_item", "alpha.create_item", "alpha.delete_item", "alpha.send_note", "beta.get_item", "beta.list_things", "beta.purge_things", "gitx.push", "gitx.push_force", "gitx.status"];
const BARE: Record<string, readonly string[]> = {
  alpha: ["get_item", "create_item", "delete_item", "send_note"],
  beta: ["get_item", "list_things", "purge_things"],
  gitx: ["push", "push_force", "status"],
};
const INTEGRATION_SPELLINGS = ["Alpha", "alpha", "ALPHA", "beta", "\"Beta Cloud\"", "gitx", "Gitx"];
const GLOBS = ["*", "get_*", "*_item", "alpha.*", "?et_item", "*.push*", "list*", "*e*", "beta.?et_*", "*.*", "push", "gitx.push?force", ""];
const STRS = ["open", "closed", "acme/web", "acme/*", "a?c", "x@acme.com", "hello world", "internal only", "", "EMP-123456", "ünï", "a\"b", "\\"];
const NEEDLES = ["internal only", "acme", "push", "secret", "emp-", "ünï", "--force"];

const q = (s: string) => JSON.stringify(s);
const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const sub = <T>(xs: readonly T[], max = 3) => fc.subarray([...xs], { minLength: 1, maxLength: Math.min(max, xs.length) });
const list = (xs: readonly string[]) => `[${xs.join(", ")}]`;
const isOp = (ops: readonly string[]) => pick(ops);

const leaf: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(isOp(["is", "is not"]), pick(INTEGRATION_SPELLINGS)).map(([o, v]) => `integration ${o} ${v}`),
  fc.tuple(isOp(["in", "not in"]), sub(["alpha", "Beta", "gitx"])).map(([o, v]) => `integration ${o} ${list(v)}`),
  fc.tuple(isOp(["is", "is not"]), pick(TOOLS)).map(([o, v]) => `tool ${o} ${v}`),
  fc.tuple(isOp(["in", "not in"]), sub(TOOLS, 4)).map(([o, v]) => `tool ${o} ${list(v)}`),
  pick(GLOBS).map((g) => `tool matches ${q(g)}`),
  pick(["untrusted_content", "private_data", "external_communication"]).map((l) => `tool has ${l}`),
  fc.tuple(isOp(["in", "not in"]), sub(["Read", "Write", "Delete", "Unknown"])).map(([o, v]) => `operation ${o} ${list(v)}`),
  fc.tuple(isOp(["is", "is not"]), pick(["Read", "Write", "Delete", "Unknown", "\"Write\""])).map(([o, v]) => `operation ${o} ${v}`),
  fc.tuple(isOp(["is", "is not"]), pick(["GET", "post", "DELETE"])).map(([o, v]) => `method ${o} ${v}`),
  fc.tuple(isOp(["in", "not in"]), sub(["items", "notes", "Things"])).map(([o, v]) => `category ${o} ${list(v)}`),
  fc.tuple(isOp(["in", "not in"]), sub(["get", "create", "delete", "send", "list", "purge", "push", "status"])).map(([o, v]) => `verb ${o} ${list(v)}`),
  fc.tuple(isOp(["is", "is not"]), pick(["A", "B", "a"])).map(([o, v]) => `agent ${o} ${q(v)}`),
  fc.tuple(isOp(["in", "not in"]), sub(["A", "B", "C", "Claude Code"])).map(([o, v]) => `agent ${o} ${list(v.map(q))}`),
  fc.tuple(isOp(["is", "is not"]), pick(["Approved", "Unreviewed", "Disallowed"])).map(([o, v]) => `agent.review_status ${o} ${v}`),
  sub(["Approved", "Unreviewed", "Disallowed"]).map((v) => `agent.review_status in ${list(v)}`),
  fc.tuple(isOp(["is", "is not"]), pick(["mcp", "cli", "CLI"])).map(([o, v]) => `call_type ${o} ${v}`),
  fc.tuple(isOp(["is", "is not"]), pick(STRS)).map(([o, v]) => `args.name ${o} ${q(v)}`),
  fc.tuple(isOp(["in", "not in"]), sub(STRS)).map(([o, v]) => `args.name ${o} ${list(v.map(q))}`),
  fc.tuple(isOp(["is", "is not"]), pick(["open", "closed", "\"open\""])).map(([o, v]) => `args.state ${o} ${v}`),
  fc.tuple(isOp(["in", "not in"]), sub(["open", "closed"])).map(([o, v]) => `args.state ${o} ${list(v.map(q))}`),
  pick(STRS).map((v) => `args.name matches ${q(v)}`),
  pick(["acme", "@", "web", "", "ü"]).map((v) => `args.name contains ${q(v)}`),
  pick(["a", "b"]).map((v) => `args.tags contains ${q(v)}`),
  fc.tuple(pick([">", "<", ">=", "<="]), fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constantFrom(0.5, -1.5, 1e3))).map(([o, n]) => `args.count ${o} ${n}`),
  fc.tuple(isOp(["is", "is not"]), fc.integer({ min: -1, max: 4 })).map(([o, n]) => `args.count ${o} ${n}`),
  pick(["args.name", "args.count", "args.nested.x", "args.tags", "args.nested", "args.state"]).map((p) => `${p} exists`),
  fc.tuple(isOp(["is", "is not"]), pick(["x", "y"])).map(([o, v]) => `args.nested.x ${o} ${q(v)}`),
  fc.tuple(pick(["any", "all"]), sub(NEEDLES)).map(([m, v]) => `body contains ${m} ${list(v.map(q))}`),
  sub(["PII", "SECRETS", "INTERNAL", "EMPLOYEE"]).map((v) => `data_class in ${list(v)}`),
  pick(["PII", "SECRETS", "INTERNAL", "EMPLOYEE"]).map((v) => `data_class has ${v}`),
  userLeaf,
);

const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.tuple(tie("e"), tie("e")).map(([a, b]) => `(${a} and ${b})`),
    fc.tuple(tie("e"), tie("e")).map(([a, b]) => `${a} or ${b}`),
    tie("e").map((a) => `not (${a})`),
    leaf.map((a) => `not ${a}`),
  ),
})).e;

/** A bare tool name resolved inside one constrained integration (`if integration is beta` + `if tool is list_things`). */
const bareTool = pick(Object.keys(BARE)).chain((i) => fc.tuple(fc.constant(i), pick(BARE[i]!), isOp(["is", "is not"]))).map(([i, t, o]) => [`integration is ${i}`, `tool ${o} ${t}`]);

const discoveredIf = fc.oneof(
  fc.tuple(isOp(["is", "is not"]), pick(["Approved", "Unreviewed", "Disallowed"])).map(([o, v]) => `agent.review_status ${o} ${v}`),
  fc.tuple(isOp(["in", "not in"]), sub(["A", "B", "Windsurf"])).map(([o, v]) => `agent ${o} ${list(v.map(q))}`),
);

const policy = (i: number) => fc.record({
  priority: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 3 }), fc.constant(100)),
  effect: pick(["allow", "block", "block \"no\"", "deny \"nope\"", "require_approval", "require_approval \"ask\"", "require_approval from [manager]", "require_approval \"two\" from [technician, manager]", "hide", "", ""]),
  alert: fc.option(pick(["alert", "alert \"look\"", "alert to \"#sec\"", "alert \"look\" to \"#sec\""]), { nil: undefined }),
  sanitize: fc.option(pick(["sanitize [args.name]", "sanitize [args.name, args.nested.x]", "sanitize [args.tags]"]), { nil: undefined }),
  scope: pick(["", "", "scope platform", "scope tenant \"t1\"", "scope tenant \"T1\"", "scope agent \"A\"", "scope agent \"a\"", "scope tenant"]),
  status: pick(["", "", "", "status active", "status draft", "status deprecated"]),
  trigger: pick(["", "", "", "", "", "when tool_call", "when agent_discovered"]),
  ifs: fc.array(expr, { maxLength: 3 }),
  bare: fc.option(bareTool, { nil: undefined, freq: 5 }),
  discovered: fc.array(discoveredIf, { maxLength: 2 }),
  withId: fc.boolean(),
}).map((p) => {
  const discovered = p.trigger === "when agent_discovered";
  // A bare tool name needs exactly one constrained integration: drop other integration lines then.
  const ifs = discovered ? p.discovered : p.bare ? [...p.bare, ...p.ifs.filter((e) => !/integration (is|in) /.test(e))] : p.ifs;
  const actions = [p.effect, p.alert, discovered ? undefined : p.sanitize].filter((x): x is string => !!x);
  if (actions.length === 0) actions.push("alert");
  const head = [p.withId ? `id p${i}` : "", p.priority !== undefined ? `priority ${p.priority}` : "", p.scope, p.status, p.trigger];
  return policyText(`P${i} ${p.withId ? "x" : "ünï"}`, head, ifs, actions.join(", "));
});

const defaults = pick([
  "", "", "default allow", "default block", "default require_approval",
  "default by operation { Read: allow  Write: require_approval  Delete: block  Unknown: block }",
  "default by operation { Read: block, Write: allow, Delete: require_approval, Unknown: allow }",
]);

export interface GenProject {
  readonly source: string;
  readonly includeDrafts: boolean;
}

/** A random project source: 1–10 policies, a custom detector, maybe a default; built with or without drafts. */
export const projectSource: fc.Arbitrary<GenProject> = fc.tuple(fc.integer({ min: 1, max: 10 }), defaults, fc.boolean(), scopedDefaults).chain(([n, d, includeDrafts, sd]) =>
  fc.tuple(...Array.from({ length: n }, (_, i) => policy(i))).map((ps) => ({
    source: ["detector EmployeeId /EMP-[0-9]{6}/ class EMPLOYEE", ...ps, d, sd].join("\n\n") + "\n",
    includeDrafts,
  })));

const argValue = fc.record({
  name: fc.option(pick([...STRS, "token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "call +1 415 555 0100", "card 4111 1111 1111 1111", "Internal Only memo", "ACME/WEB", "emp-654321"]), { nil: undefined }),
  count: fc.option(fc.oneof(fc.integer({ min: -3, max: 6 }), fc.constantFrom(0.5, 1e3, -1.5), fc.constant("3" as unknown as number)), { nil: undefined }),
  tags: fc.option(fc.array(pick(["a", "b", "c", "A"]), { maxLength: 3 }), { nil: undefined }),
  state: fc.option(pick(["open", "closed", "other", "Open"]), { nil: undefined }),
  nested: fc.option(fc.oneof(fc.record({ x: pick(["x", "y", "z"]) }), fc.constant({ y: "x" }), fc.constant("x")), { nil: undefined }),
  extra: fc.option(pick(["push --force", "secret sauce", "x@acme.com"]), { nil: undefined }),
}, { requiredKeys: [] }).map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);

const agent = fc.record({ id: pick(["a1", "a2"]), name: pick(["A", "B", "C", "a", "Windsurf", "Claude Code"]), review_status: pick(["Approved", "Unreviewed", "Disallowed", "approved"]) }, { requiredKeys: ["name"] });
const tenant = fc.option(pick(["t1", "t2", "T1"]), { nil: undefined });

export const eventExtended: fc.Arbitrary<SessionEvent> = withUsers(fc.oneof(
  { weight: 8, arbitrary: fc.record({
    tenant, agent,
    integration: pick(["alpha", "beta", "ALPHA", "Beta", "gitx", "other", "аlpha", "alpha "]),
    tool: pick(["get_item", "create_item", "delete_item", "send_note", "list_things", "purge_things", "push", "status", "unknown_tool", "Get_Item", "LIST_THINGS", "get_іtem"]),
    args: fc.option(argValue, { nil: undefined, freq: 8 }),
  }).map((r): SessionEvent => ({ type: "tool_call_request", session_id: "s", ...(r.tenant ? { tenant: r.tenant } : {}), agent: r.agent, call: { id: "c", type: "mcp", integration: r.integration, tool: r.tool, ...(r.args ? { args: r.args } : {}) } })) },
  { weight: 2, arbitrary: fc.record({
    tenant, agent,
    command: pick([["gitx", "push", "origin", "main"], ["gitx", "push", "--force", "origin"], ["gitx", "push"], ["gitx", "status"], ["gitx", "frob"], ["rm", "-rf", "/"], ["gitx", "status", "x"], ["GITX", "status"], ["gitx", "push", "EMP-123456", "internal only"]]),
  }).map((r): SessionEvent => ({ type: "tool_call_request", session_id: "s", ...(r.tenant ? { tenant: r.tenant } : {}), agent: r.agent, call: { id: "c", type: "cli", command: r.command } })) },
  { weight: 1, arbitrary: fc.tuple(agent, tenant).map(([a, t]): SessionEvent => ({ type: "agent_discovered", session_id: "s", ...(t ? { tenant: t } : {}), agent: a })) },
));
