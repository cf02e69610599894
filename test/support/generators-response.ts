/**
 * Generators for response and message policies (`when tool_response`, `when message_to_user`,
 * `when message_from_user`) and their events: results with content items and structured content,
 * messages with text, over a small catalog where some tools declare an output schema.
 */
import fc from "fast-check";
import type { CatalogJson } from "../../compiler/catalog/types.js";
import { loadCatalog } from "../../compiler/catalog/load.js";
import type { SessionEvent } from "../../runtime/types.js";
import { SMALL_CATALOG } from "./small-catalog.js";
import { policyText } from "./generators.js";

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);
const q = (s: string) => JSON.stringify(s);

const OUTPUT = { type: "object", properties: { total: { type: "number" }, owner: { type: "string" }, items: { type: "array", items: { type: "string" } }, ok: { type: "boolean" } } };

/** SMALL_CATALOG with an output schema on some tools (`result.total`, `result.owner`, …). */
export const RESPONSE_CATALOG: CatalogJson = {
  ...SMALL_CATALOG,
  integrations: SMALL_CATALOG.integrations.map((i) => ({ ...i, tools: i.tools.map((t) => (["get_item", "list_things"].includes(t.name) ? { ...t, output: OUTPUT } : t)) })),
};

export function responseCatalog() {
  return loadCatalog([{ file: "small.catalog.json", text: JSON.stringify(RESPONSE_CATALOG) }], { builtin: false, requestPaths: false }).catalog;
}

const TEXTS = ["all good", "key AKIAABCDEFGHIJKLMNOP here", "mail ada@example.com", "card 4111 1111 1111 1111", "internal only: plans", "deal #7", "", "AKIAABCDEFGHIJKLMNOP"];

const responseLeaf: fc.Arbitrary<string> = fc.oneof(
  pick(["integration is alpha", "integration is beta", "tool is alpha.get_item", "tool in [alpha.get_item, beta.list_things]", "operation is Read", "operation in [Write, Delete]", "tool has private_data", "tool matches \"*item*\""]),
  pick(["SECRETS", "PII", "INTERNAL"]).map((c) => `data_class has ${c}`),
  sub(["SECRETS", "PII"]).map((cs) => `data_class in [${cs.join(", ")}]`),
  fc.tuple(pick(["any", "all"]), sub(["deal #", "plans", "good", "ada@"])).map(([m, ns]) => `body contains ${m} [${ns.map(q).join(", ")}]`),
  pick(["result.content contains \"good\"", "result.content matches \"*AKIA*\"", "result.content exists", "result.content[0] is \"all good\"", "result.content[all] matches \"*a*\""]),
  fc.tuple(pick([">", "<", ">=", "<="]), fc.integer({ min: -1, max: 5 })).map(([o, n]) => `result.total ${o} ${n}`),
  pick(["result.owner is \"ada\"", "result.owner in [\"ada\", \"bob\"]", "result.items contains \"x\"", "result.items[*] matches \"a*\"", "result.ok is true", "result.owner exists"]),
  fc.tuple(pick([">", "<", ">=", "<="]), pick(["10 B", "1 KB", "0.05 KB", "1 MB", "100"])).map(([o, n]) => `result size ${o} ${n}`),
  pick(["result is error", "result is not error"]),
  pick(["args.name is \"a\"", "args.count > 2", "args.tags contains \"a\"", "agent is \"A\"", "agent.review_status is Approved"]),
);
function sub<T>(xs: readonly T[]) { return fc.shuffledSubarray(xs as T[], { minLength: 1 }); }

const messageLeaf: fc.Arbitrary<string> = fc.oneof(
  pick(["SECRETS", "PII", "INTERNAL"]).map((c) => `data_class has ${c}`),
  fc.tuple(pick(["any", "all"]), sub(["deal #", "plans", "good", "ada@"])).map(([m, ns]) => `body contains ${m} [${ns.map(q).join(", ")}]`),
  pick(["agent is \"A\"", "agent in [\"A\", \"B\"]", "agent.review_status is Disallowed"]),
);

const exprOf = (leaf: fc.Arbitrary<string>) => fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, fc.tuple(tie("e"), tie("e")).map(([a, b]) => `(${a} and ${b})`), fc.tuple(tie("e"), tie("e")).map(([a, b]) => `(${a} or ${b})`), tie("e").map((a) => `not (${a})`)),
})).e;

const returnPolicy = (i: number) => fc.record({
  trigger: pick(["tool_response", "tool_response", "tool_response", "message_to_user", "message_from_user", "tool_call"]),
  priority: fc.integer({ min: 0, max: 3 }),
  effect: pick(["allow", "block \"withheld\"", "require_approval", "require_approval from [manager]", "", "deny"]),
  alert: fc.option(pick(["alert", "alert \"look\" to \"#sec\""]), { nil: undefined }),
  sanitize: pick([undefined, "sanitize", "sanitize [result.content]", "sanitize [result.owner]"]),
  scope: pick(["", "scope tenant \"t1\"", "scope agent \"A\""]),
  status: pick(["", "", "status draft"]),
  rifs: fc.array(exprOf(responseLeaf), { maxLength: 3 }),
  mifs: fc.array(exprOf(messageLeaf), { maxLength: 2 }),
}).map((p) => {
  const response = p.trigger === "tool_response";
  const message = p.trigger.startsWith("message");
  const ifs = response ? p.rifs : p.mifs;
  const san = !p.sanitize ? undefined : response ? p.sanitize : message ? "sanitize" : "sanitize [args.name]";
  const actions = [p.effect, p.alert, san].filter((x) => x);
  if (actions.length === 0) actions.push("alert");
  return policyText(`R${i}`, [`id r${i}`, `priority ${p.priority}`, p.scope, p.status, `when ${p.trigger}`], ifs, actions.join(", "));
});

/** A project of 1–6 policies, mostly on responses and messages, maybe with a default (which must not apply to them). */
export const returnSource: fc.Arbitrary<string> = fc.tuple(fc.integer({ min: 1, max: 6 }), pick(["", "default block", "default require_approval"])).chain(([n, d]) =>
  fc.tuple(...Array.from({ length: n }, (_, i) => returnPolicy(i))).map((ps) => [...ps, d].join("\n\n") + "\n"));

const agent = fc.record({ id: pick(["a1", "a2"]), name: pick(["A", "B", "C"]), review_status: pick(["Approved", "Unreviewed", "Disallowed"]) });

/** An MCP result: text items, maybe an embedded resource, maybe structured content, maybe an error. */
export const mcpResult: fc.Arbitrary<Record<string, unknown>> = fc.record({
  texts: fc.array(pick(TEXTS), { maxLength: 3 }),
  resource: fc.option(pick(TEXTS), { nil: undefined }),
  structured: fc.option(fc.record({ total: fc.integer({ min: -1, max: 6 }), owner: pick(["ada", "bob", "ada@example.com", "AKIAABCDEFGHIJKLMNOP"]), items: fc.array(pick(["a", "ab", "x", "mail ada@example.com"]), { maxLength: 3 }), ok: fc.boolean() }, { requiredKeys: [] }), { nil: undefined }),
  isError: fc.option(fc.boolean(), { nil: undefined }),
}).map((r) => ({
  content: [...r.texts.map((t) => ({ type: "text", text: t })), ...(r.resource !== undefined ? [{ type: "resource", resource: { uri: "file:///x", mimeType: "text/plain", text: r.resource } }] : [])],
  ...(r.structured ? { structuredContent: r.structured } : {}),
  ...(r.isError !== undefined ? { isError: r.isError } : {}),
}));

/** A response with its request, or a message. */
export const returnEvent: fc.Arbitrary<{ event: SessionEvent; request?: SessionEvent }> = fc.oneof(
  { weight: 6, arbitrary: fc.record({
    tenant: fc.option(pick(["t1", "t2"]), { nil: undefined }),
    agent,
    integration: pick(["alpha", "beta", "other"]),
    tool: pick(["get_item", "create_item", "list_things", "send_note", "unknown_tool"]),
    args: fc.record({ name: pick(["a", "b"]), count: fc.integer({ min: 0, max: 4 }), tags: fc.array(pick(["a", "b"]), { maxLength: 2 }) }, { requiredKeys: [] }),
    result: mcpResult,
    joined: pick(["request", "request", "call", "none"]),
  }).map((r) => {
    const base = { session_id: "s", ts: "2026-11-23T10:00:00Z", ...(r.tenant ? { tenant: r.tenant } : {}), agent: r.agent };
    const call = { id: "c1", type: "mcp" as const, integration: r.integration, tool: r.tool, args: r.args };
    const event: SessionEvent = { type: "tool_call_response", ...base, call_id: "c1", result: r.result, ...(r.joined === "call" ? { call } : {}) };
    return r.joined === "request" ? { event, request: { type: "tool_call_request", ...base, call } } : { event };
  }) },
  { weight: 3, arbitrary: fc.record({ type: pick(["message_to_user", "message_from_user"]), agent, text: pick(TEXTS) })
    .map((r) => ({ event: { type: r.type, session_id: "s", ts: "2026-11-23T10:00:00Z", agent: r.agent, text: r.text } })) },
);
