/**
 * `mark` / `clear` in the checker, the formatter, the JSON export and the bundle: what each form
 * compiles to, every misuse an error with a hint (PDL2095 on another trigger, PDL2096 malformed),
 * and `session has mark "…"`.
 */
import { describe, expect, it } from "vitest";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { checkProject } from "../../compiler/check/index.js";
import { buildBundle, validateBundle } from "../../compiler/emit/index.js";
import { decodeBundle, encodeBundle } from "../../runtime/bundle-codec.js";
import { parse } from "../../grammar/index.js";
import { print } from "../../grammar/printer.js";
import { exportDocument } from "../../importers/export-json.js";
import { importParsed } from "../../importers/import-json.js";

const catalog = loadCatalog().catalog;
const policy = (when: string, action: string, ifs = "if body contains any [\"/ok\"]") => `policy "p" {\n  id p\n  when ${when}\n  ${ifs}\n  action ${action}\n}\n`;
const check = (text: string) => checkProject([{ file: "p.policy", text }], catalog);

describe("mark and clear in the checker", () => {
  it.each([
    ["mark \"reviewed\"", [{ change: "mark", label: "mark:reviewed" }]],
    ["clear mark \"reviewed\"", [{ change: "clear", label: "mark:reviewed" }]],
    ["clear seen SECRETS, clear untrusted_content", [{ change: "clear", label: "seen:SECRETS" }, { change: "clear", label: "untrusted_content" }]],
    ["allow, mark \"a b\", alert \"x\"", [{ change: "mark", label: "mark:a b" }]],
  ])("action %s", (action, session) => {
    const r = check(policy("message_from_user", action));
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.policies[0]!.session).toEqual(session);
    const b = buildBundle(r);
    expect(b.policies[0]!.session).toEqual(session);
    // The bundle as written (compact form, schemas/bundle.schema.json) carries the changes too.
    expect(validateBundle(JSON.parse(JSON.stringify(b)))).toEqual([]);
    expect(decodeBundle(encodeBundle(b)).policies[0]!.session).toEqual(session);
  });

  it.each([
    ["tool_call", "clear seen SECRETS", "PDL2095", /only a message from the user/, /when message_from_user/],
    ["tool_response", "mark \"reviewed\"", "PDL2095", /not a tool_response event/, /must never lift a restriction/],
    ["message_to_user", "clear untrusted_content", "PDL2095", /not a message_to_user event/, /message_from_user/],
    ["message_from_user", "mark", "PDL2096", /needs the mark's name/, /mark "reviewed"/],
    ["message_from_user", "clear", "PDL2096", /needs what to clear/, /clear seen SECRETS/],
    ["message_from_user", "clear mark", "PDL2096", /needs the mark's name/, /clear mark "reviewed"/],
    ["message_from_user", "mark \"\"", "PDL2096", /1 to 100 characters/, /mark "reviewed"/],
    ["message_from_user", "mark untrusted_content \"x\"", "PDL2096", /takes only the mark's name/, /clear/],
    ["message_from_user", "clear seen SECRET", "PDL2004", /unknown data class "SECRET"/, /SECRETS/],
    ["message_from_user", "clear untrusted", "PDL2004", /unknown catalog label "untrusted"/, /untrusted_content/],
    ["message_from_user", "clear seen SECRETS \"why\"", "PDL2096", /takes no message/, /alert/],
    ["message_from_user", "block seen SECRETS", "PDL2023", /`block` takes no `seen SECRETS`/, /only `clear`/],
  ])("on %s, action %s is %s", (when, action, code, message, hint) => {
    const errors = check(policy(when, action)).diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => d.code)).toContain(code);
    const d = errors.find((x) => x.code === code)!;
    expect(d.message).toMatch(message);
    expect(d.hint).toMatch(hint);
  });

  it("session has mark \"…\" compiles to session_mark; the name must be quoted and not empty", () => {
    const ok = check(policy("tool_call", "block", "if not session has mark \"reviewed\""));
    expect(ok.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(ok.policies[0]!.ifs[0]!.expr).toEqual({ k: "not", x: { k: "session_mark", mark: "reviewed" } });
    const empty = check(policy("tool_call", "block", "if session has mark \"\""));
    expect(empty.diagnostics.map((d) => d.code)).toContain("PDL2050");
    // On a message policy a session condition is PDL2094, as every session condition.
    expect(check(policy("message_from_user", "block", "if session has mark \"r\"")).diagnostics.map((d) => d.code)).toContain("PDL2094");
    // `mark` stays an ordinary word elsewhere: a label or an argument may be called so.
    expect(parse(`policy "q" {\n  if args.mark is "x"\n  if session has untrusted_content\n  action block\n}\n`, "q.policy").diagnostics).toEqual([]);
  });
});

describe("mark and clear in fmt and the JSON export", () => {
  const src = `policy "Release" {
  id release
  when message_from_user
  if body contains any ["/release"]
  action clear seen SECRETS, clear untrusted_content, clear mark "reviewed", mark "released", alert "released"
}

policy "Needs review" {
  id needs-review
  if operation is Delete
  if not session has mark "reviewed"
  action block
}
`;
  it("fmt prints them back unchanged", () => {
    expect(print(parse(src, "r.policy").ast)).toBe(src);
  });

  it("export → import gives the same source", () => {
    const doc = exportDocument([{ file: "r.policy", ast: parse(src, "r.policy").ast }]);
    const back = importParsed(JSON.parse(JSON.stringify(doc)), "r.json");
    expect(back.diagnostics).toEqual([]);
    expect(back.files[0]!.text).toBe(src);
  });
});

describe("policy explain of a message from the user", () => {
  it("shows the session changes the message makes", async () => {
    const { explain, formatExplanation } = await import("../../compiler/explain.js");
    const r = check(`policy "Release" {\n  id release\n  when message_from_user\n  if body contains any ["/release"]\n  action clear seen SECRETS, mark "released"\n}\n`);
    const x = explain(buildBundle(r), { type: "message_from_user", session_id: "s", ts: "2026-11-23T10:00:00Z", agent: { name: "A" }, text: "/release" });
    expect(x.decision.session_changes).toEqual([{ policy: "release", change: "clear", label: "seen:SECRETS" }, { policy: "release", change: "mark", label: "mark:released" }]);
    const text = formatExplanation(x);
    expect(text).toContain("session:  clear seen:SECRETS (release)");
    expect(text).toContain("session:  mark mark:released (release)");
  });
});
