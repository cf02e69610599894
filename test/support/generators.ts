/**
 * fast-check generators: random well-typed policy sets (as source text) over the small catalog,
 * and random events against it. Shared by the differential property and the fuzzer.
 */
import fc from "fast-check";
import type { SessionEvent } from "../../runtime/types.js";
import { userLeaf, withUsers } from "./generators-user.js";

const TOOLS = ["alpha.get_item", "alpha.create_item", "alpha.delete_item", "alpha.send_note", "beta.get_item", "beta.list_things", "beta.purge_things", "gitx.push", "gitx.push_force", "gitx.status"];
const GLOBS = ["*", "get_*", "*_item", "alpha.*", "?et_item", "*.push*", "list*", "*e*"];
const STRS = ["open", "closed", "acme/web", "acme/*", "a?c", "x@acme.com", "hello world", "internal only", ""];

const q = (s: string) => JSON.stringify(s);
/** `command starts with` prefixes: whole words, a boundary prefix (`--`, `origin:`), a path as program. */
const PREFIXES = ["gitx", "gitx push", "gitx push --", "gitx stat", "rm -rf", "/usr/bin/gitx status", "gitx push origin:", "GITX push"];
/**
 * CLI command lines: plain, behind wrappers and global options, and shell lines (decided with the
 * shell parser when the test injects one, else unknown on both sides).
 */
export const COMMANDS: readonly (readonly string[] | string)[] = [
  ["gitx", "push", "origin", "main"], ["gitx", "push", "--force", "origin"], ["gitx", "status"], ["gitx", "frob"], ["rm", "-rf", "/"], ["gitx", "status", "x"],
  ["env", "X=1", "gitx", "push"], ["sudo", "-u", "r", "gitx", "-C", "d", "push", "--force"], ["/bin/gitx", "--no-pager", "status"], ["xargs", "gitx", "status"],
  ["gitx", "push", "origin:main"], ["eval", "gitx push"], ["gitx", "push", "-v", "-f", "origin"], ["gitx", "push", "-vf"], ["gitx", "push", "origin", "+main"], ["gitx", "push", "--", "-f"], ["sh", "-c", "gitx status && gitx push --force"],
  "gitx status && gitx push", "gitx status | rm -rf /", "sh -c 'gitx push --force'", "gitx push 'bad", "$G push", "(gitx status; nice gitx push origin:x)",
];
const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const sub = <T>(xs: readonly T[]) => fc.subarray([...xs], { minLength: 1, maxLength: Math.min(3, xs.length) });

const leaf: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(pick(["is", "is not"]), pick(["Alpha", "beta", "gitx", "\"Beta Cloud\""])).map(([o, v]) => `integration ${o} ${v}`),
  sub(["alpha", "beta", "gitx"]).map((v) => `integration in [${v.join(", ")}]`),
  fc.tuple(pick(["is", "is not"]), pick(TOOLS)).map(([o, v]) => `tool ${o} ${v}`),
  sub(TOOLS).map((v) => `tool in [${v.join(", ")}]`),
  pick(GLOBS).map((g) => `tool matches ${q(g)}`),
  pick(["untrusted_content", "private_data", "external_communication"]).map((l) => `tool has ${l}`),
  sub(["Read", "Write", "Delete", "Unknown"]).map((v) => `operation in [${v.join(", ")}]`),
  pick(["Read", "Write", "Delete", "Unknown"]).map((v) => `operation is ${v}`),
  pick(["GET", "POST", "DELETE"]).map((v) => `method is ${v}`),
  pick(["items", "notes", "things"]).map((v) => `category is ${v}`),
  sub(["get", "create", "delete", "send", "list", "purge", "push", "status"]).map((v) => `verb in [${v.join(", ")}]`),
  pick(["A", "B"]).map((v) => `agent is ${q(v)}`),
  sub(["A", "B", "C"]).map((v) => `agent in [${v.map(q).join(", ")}]`),
  pick(["Approved", "Unreviewed", "Disallowed"]).map((v) => `agent.review_status is ${v}`),
  fc.tuple(pick(["is", "is not"]), pick(["Approved", "Unreviewed", "Disallowed"])).map(([o, v]) => `tool.review_status ${o} ${v}`),
  sub(["Approved", "Unreviewed", "Disallowed"]).map((v) => `tool.review_status in [${v.join(", ")}]`),
  pick(["mcp", "cli"]).map((v) => `call_type is ${v}`),
  fc.tuple(pick(["is", "is not"]), pick(STRS)).map(([o, v]) => `args.name ${o} ${q(v)}`),
  pick(["open", "closed"]).map((v) => `args.state is ${v}`),
  sub(["open", "closed"]).map((v) => `args.state in [${v.map(q).join(", ")}]`),
  pick(STRS).map((v) => `args.name matches ${q(v)}`),
  pick(["acme", "@", "web"]).map((v) => `args.name contains ${q(v)}`),
  pick(["a", "b"]).map((v) => `args.tags contains ${q(v)}`),
  fc.tuple(pick([">", "<", ">=", "<="]), fc.integer({ min: -2, max: 5 })).map(([o, n]) => `args.count ${o} ${n}`),
  pick(["args.name", "args.count", "args.nested.x", "args.tags"]).map((p) => `${p} exists`),
  pick(["x", "y"]).map((v) => `args.nested.x is ${q(v)}`),
  fc.tuple(pick(["any", "all"]), sub(["internal only", "acme", "push", "secret"])).map(([m, v]) => `body contains ${m} [${v.map(q).join(", ")}]`),
  sub(["PII", "SECRETS", "INTERNAL"]).map((v) => `data_class in [${v.join(", ")}]`),
  userLeaf,
  ...pathAndUrlLeaves(),
  sub(PREFIXES).map((v) => (v.length === 1 ? `command starts with ${q(v[0]!)}` : `command starts with [${v.map(q).join(", ")}]`)),
);

/** Conditions on canonical paths and URLs, `[n]` / `[*]` paths, arrays of strings and glob escapes. */
function pathAndUrlLeaves(): fc.Arbitrary<string>[] {
  const GLOB = ["secret*", "sub/*", "/etc/*", "*secret*", "~/*", "acme/\\*", "a\\?c", "*.txt"];
  return [
    fc.tuple(pick(["is", "is not"]), pick(["secret.txt", "./secret.txt", "/etc/passwd", "sub/a", "."])).map(([o, v]) => `args.path ${o} ${q(v)}`),
    pick(GLOB).map((g) => `args.path matches ${q(g)}`),
    pick(["./sub", "sub", "/etc", "~/.ssh", "/srv", ".", "/", "..", "/srv/sb"]).map((a) => `args.path under ${q(a)}`),
    pick(GLOB).map((g) => `args.paths matches ${q(g)}`),
    pick(["sec", "sub/", "a"]).map((v) => `args.paths contains ${q(v)}`),
    pick(GLOB).map((g) => `args.paths[*] matches ${q(g)}`),
    fc.tuple(pick(["[*]", "[all]"]), pick(["./sub", "~/.ssh", "/etc"])).map(([i, a]) => `args.paths${i} under ${q(a)}`),
    pick(GLOB).map((g) => `args.paths[all] matches ${q(g)}`),
    fc.tuple(pick(["[0]", "[1]", "[*]"]), pick(["secret.txt", "sub/a", "a"])).map(([i, v]) => `args.paths${i} is ${q(v)}`),
    fc.tuple(pick(["[0]", "[2]", "[*]", "[all]"]), pick(["a", "b"])).map(([i, v]) => `args.tags${i} is ${q(v)}`),
    pick(["a*", "?", "*c"]).map((g) => `args.tags matches ${q(g)}`),
    fc.tuple(pick(["is", "is not"]), pick(["github.com", "GitHub.com", "evil.io", "api.github.com"])).map(([o, v]) => `args.url host ${o} ${q(v)}`),
    sub(["github.com", "evil.io", "x.io"]).map((v) => `args.url host in [${v.map(q).join(", ")}]`),
    pick(["*.github.com", "github.*", "*"]).map((g) => `args.url host matches ${q(g)}`),
    pick(["https", "http", "HTTPS"]).map((v) => `args.url scheme is ${v}`),
    pick(["/acme/*", "/", "/admin*"]).map((g) => `args.url path matches ${q(g)}`),
    pick(["https://github.com/*", "https://github.com/acme/*"]).map((g) => `args.url matches ${q(g)}`),
  ];
}

const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.tuple(tie("e"), tie("e")).map(([a, b]) => `(${a} and ${b})`),
    fc.tuple(tie("e"), tie("e")).map(([a, b]) => `(${a} or ${b})`),
    tie("e").map((a) => `not (${a})`),
  ),
})).e;

/** A policy's source: its head lines (id, priority, scope, …; empty ones left out), `if` lines, action. */
export function policyText(name: string, head: readonly string[], ifs: readonly string[], action: string): string {
  return [`policy "${name}" {`, ...head.filter((l) => l).map((l) => `  ${l}`), ...ifs.map((e) => `  if ${e}`), `  action ${action}`, "}"].join("\n");
}

export interface GenPolicy {
  readonly text: string;
}

const policy = (i: number) => fc.record({
  priority: fc.integer({ min: 0, max: 3 }),
  effect: pick(["allow", "block \"no\"", "require_approval", "require_approval from [manager]", "hide", "", "deny"]),
  alert: fc.option(pick(["alert", "alert \"look\" to \"#sec\""]), { nil: undefined }),
  sanitize: fc.boolean(),
  scope: pick(["", "scope tenant \"t1\"", "scope agent \"A\"", "scope tenant"]),
  status: pick(["", "", "", "status draft", "status deprecated"]),
  trigger: pick(["", "", "", "", "when agent_discovered"]),
  ifs: fc.array(expr, { maxLength: 3 }),
}).map((p) => {
  const discovered = p.trigger !== "";
  const ifs = discovered ? p.ifs.length ? [`agent.review_status is Disallowed`] : [] : p.ifs;
  const actions = [p.effect, p.alert, p.sanitize && !discovered ? "sanitize [args.name]" : undefined].filter((x) => x);
  if (actions.length === 0) actions.push("alert");
  return policyText(`P${i}`, [`id p${i}`, `priority ${p.priority}`, p.scope, p.status, p.trigger], ifs, actions.join(", "));
});

const defaults = pick(["", "default allow", "default block", "default by operation { Read: allow  Write: require_approval  Delete: block  Unknown: block }"]);

const DEFAULT_TARGETS = [
  "integration alpha", "integration beta", "integration gitx", "tenant \"t1\"", "tenant \"t2\"", "agent \"A\"", "agent \"B\"",
  "tenant \"t1\" integration alpha", "integration beta tenant \"t2\"", "agent \"A\" integration beta", "agent \"B\" integration gitx",
];
const DEFAULT_BODIES = ["allow", "block", "require_approval", "by operation { Write: block }", "by operation { Read: require_approval  Unknown: allow }", "by operation { Delete: allow  Write: require_approval }"];

/** `default for …` lines: up to 4 distinct targets, each with a random body (in source order, not precedence order). */
export const scopedDefaults: fc.Arbitrary<string> = fc.shuffledSubarray(DEFAULT_TARGETS, { maxLength: 4 }).chain((ts) =>
  fc.tuple(...ts.map((t) => pick(DEFAULT_BODIES).map((b) => `default for ${t} ${b}`)))).map((lines) => lines.join("\n"));

/** A random project source: 1–8 policies, maybe a default and maybe defaults `for` part of the calls. */
export const policySource: fc.Arbitrary<string> = fc.tuple(fc.integer({ min: 1, max: 8 }), defaults, scopedDefaults).chain(([n, d, sd]) =>
  fc.tuple(...Array.from({ length: n }, (_, i) => policy(i))).map((ps) => [...ps, d, sd].join("\n\n") + "\n"));

const PATHS = ["secret.txt", "./secret.txt", "sub/../secret.txt", ".//secret.txt", "/srv/sb/secret.txt", "secret%2Etxt", "/etc/passwd", "/etc2/x", "../x", "~/.ssh/id", "/home/u/.ssh/id", "sub/a", "sub", "a%2Fb", "%2e%2e/x", "acme/*", "a?c", "acme/\\*"];
const URLS = ["https://github.com/acme/x", "https://GITHUB.com/", "https://github.com.attacker.io/x", "https://github.com@evil.io/", "http://api.github.com/acme/y", "nonsense", "https://x.io/%61dmin/z", "HTTPS://Evil.IO:443/acme/../admin"];
/** Where relative paths resolve and what `~` is, on some calls. */
const folders = fc.option(fc.constantFrom({ root: "/srv/sb", home: "/home/u" }, { root: "/srv/sb" }, { home: "/home/u" }), { nil: undefined });

const argValue = fc.record({
  name: fc.option(pick([...STRS, "token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "call +1 415 555 0100", "card 4111 1111 1111 1111"]), { nil: undefined }),
  count: fc.option(fc.oneof(fc.integer({ min: -3, max: 6 }), fc.constant("3" as unknown as number)), { nil: undefined }),
  tags: fc.option(fc.array(pick(["a", "b", "c"]), { maxLength: 3 }), { nil: undefined }),
  state: fc.option(pick(["open", "closed", "other"]), { nil: undefined }),
  nested: fc.option(fc.record({ x: pick(["x", "y", "z"]) }), { nil: undefined }),
  path: fc.option(pick(PATHS), { nil: undefined }),
  paths: fc.option(fc.array(pick(PATHS), { maxLength: 3 }), { nil: undefined }),
  url: fc.option(pick(URLS), { nil: undefined }),
}, { requiredKeys: [] }).map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);

// Without review_status, an agent's status comes from the bundle's reviews (SMALL_REVIEWS).
const agent = fc.record({ id: pick(["a1", "a2"]), name: pick(["A", "B", "C", ""]), review_status: pick(["Approved", "Unreviewed", "Disallowed"]) }, { requiredKeys: ["name"] });

/** What the enforcement point found changed in the tool's definition (mostly nothing). */
const changed = fc.option(pick([[], ["description"], ["inputSchema.properties.path", "not listed by the upstream"]]), { nil: undefined, freq: 2 });

export const event: fc.Arbitrary<SessionEvent> = withUsers(fc.oneof(
  { weight: 8, arbitrary: fc.record({
    tenant: fc.option(pick(["t1", "t2"]), { nil: undefined }),
    agent,
    integration: pick(["alpha", "beta", "ALPHA", "Beta", "other"]),
    tool: pick(["get_item", "create_item", "delete_item", "send_note", "list_things", "purge_things", "unknown_tool", "Get_Item", "resources/read", "prompts/get"]),
    args: argValue,
    folders,
    changed,
  }).map((r): SessionEvent => ({ type: "tool_call_request", session_id: "s", ...(r.tenant ? { tenant: r.tenant } : {}), agent: r.agent, call: { id: "c", type: "mcp", integration: r.integration, tool: r.tool, args: r.args, ...r.folders, ...(r.changed ? { definition_changed: r.changed } : {}) } })) },
  { weight: 2, arbitrary: fc.record({
    agent,
    command: pick(COMMANDS),
    changed,
  }).map((r): SessionEvent => ({ type: "tool_call_request", session_id: "s", agent: r.agent, call: { id: "c", type: "cli", command: r.command, ...(r.changed ? { definition_changed: r.changed } : {}) } })) },
  { weight: 1, arbitrary: agent.map((a): SessionEvent => ({ type: "agent_discovered", session_id: "s", agent: a })) },
));
