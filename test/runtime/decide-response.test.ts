/**
 * The runtime API for what comes back: `decideResponse` never throws and fails closed; a withheld
 * result says why; no default applies to responses; messages are decided on their text.
 */
import { describe, expect, it } from "vitest";
import { checkProject } from "../../compiler/check/index.js";
import { buildBundle } from "../../compiler/emit/index.js";
import { createEnforcer } from "../../runtime/index.js";
import { responseCatalog } from "../support/generators-response.js";

const SRC = `
policy "mask" {
  id mask
  when tool_response
  if tool is alpha.get_item
  if data_class has SECRETS
  action sanitize [result.content]
}
policy "errors withheld" {
  id errors
  when tool_response
  if integration is beta
  if result is error
  action block "errors of beta are withheld"
}
policy "cards" {
  id cards
  when message_to_user
  if data_class has PII
  action block
}
default block
`;
const project = checkProject([{ file: "r.policy", text: SRC }], responseCatalog(), []);
const bundle = buildBundle(project, {});
const base = { session_id: "s", agent: { name: "A" } };
const request = (integration: string, tool: string) => ({ type: "tool_call_request", ...base, call: { id: "c1", integration, tool, args: { name: "x" } } });
const response = (result: unknown) => ({ type: "tool_call_response", ...base, call_id: "c1", result });

describe("decideResponse", () => {
  it("compiles without errors", () => expect(project.diagnostics.filter((d) => d.severity === "error")).toEqual([]));

  it("masks what a policy says, and the request's default never applies to a response", () => {
    const e = createEnforcer(bundle);
    const r = { content: [{ type: "text", text: "key AKIAABCDEFGHIJKLMNOP" }] };
    const d = e.decideResponse(response(r), request("alpha", "get_item"));
    expect(d).toMatchObject({ effect: "allow", event: "tool_response", withheld: false, sanitize: [{ policy: "mask", fields: ["result.content"] }], tool: "alpha.get_item" });
    expect(e.forwardResult(r, d)).toEqual({ content: [{ type: "text", text: "key [REDACTED:SECRETS]" }] });
    // `default block` is for requests: an unmatched response is forwarded.
    expect(e.decideResponse(response(r), request("alpha", "create_item")).effect).toBe("allow");
  });

  it("withholds with an isError result that says why", () => {
    const e = createEnforcer(bundle);
    const r = { content: [{ type: "text", text: "stack trace with secrets" }], isError: true };
    const d = e.decideResponse(response(r), request("beta", "list_things"));
    expect(d).toMatchObject({ effect: "block", withheld: true, policy: { id: "errors" } });
    const out = e.forwardResult(r, d) as { isError: boolean; content: { text: string }[] };
    expect(out.isError).toBe(true);
    expect(out.content[0]!.text).toBe('The tool\'s result was withheld by the enforcement point (policy "errors withheld"): errors of beta are withheld');
    expect(JSON.stringify(out)).not.toContain("stack trace");
  });

  it("fails closed: malformed events, an unknown request, a result too deep, no bundle", () => {
    const e = createEnforcer(bundle);
    expect(e.decideResponse(null).effect).toBe("block");
    expect(e.decideResponse({ type: "tool_call_request", ...base, call: { integration: "alpha", tool: "get_item" } }).reason).toMatch(/takes tool_call_response/);
    expect(e.decideResponse(response({})).reason).toMatch(/request is unknown/);
    let deep: unknown = "AKIAABCDEFGHIJKLMNOP";
    for (let i = 0; i < 100; i++) deep = [deep];
    const d = e.decideResponse(response({ structuredContent: { x: deep } }), request("alpha", "get_item"));
    expect(d).toMatchObject({ effect: "block", withheld: true });
    expect(e.forwardResult({ structuredContent: { x: deep } }, { ...d, effect: "allow", sanitize: [{ policy: "p", fields: ["result"] }] })).toMatchObject({ isError: true });
    expect(createEnforcer({ format: "nope" }).decideResponse(response({}), request("alpha", "get_item"))).toMatchObject({ effect: "block", withheld: true });
    expect(e.decideResponse({ type: "message_to_user", ...base })).toMatchObject({ effect: "block", reason: expect.stringMatching(/needs its text/) });
  });

  it("decides messages on their text", () => {
    const e = createEnforcer(bundle);
    expect(e.decideResponse({ type: "message_to_user", ...base, text: "card 4111 1111 1111 1111" })).toMatchObject({ effect: "block", withheld: true, event: "message_to_user" });
    expect(e.decideResponse({ type: "message_to_user", ...base, text: "all good" })).toMatchObject({ effect: "allow", withheld: false });
    expect(e.decideResponse({ type: "message_from_user", ...base, text: "card 4111 1111 1111 1111" }).effect).toBe("allow");
    expect(e.forwardText("card 4111 1111 1111 1111", { ...e.decideResponse({ type: "message_to_user", ...base, text: "x" }), sanitize: [{ policy: "p", fields: ["text"] }] })).toBe("card [REDACTED:PII]");
  });
});
