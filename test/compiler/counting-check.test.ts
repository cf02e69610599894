/**
 * Counting conditions in the checker, the formatter and the JSON export: what each form compiles
 * to, every misuse an error with a hint, and `fmt` / export → import keeping them.
 */
import { describe, expect, it } from "vitest";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { checkProject } from "../../compiler/check/index.js";
import { parse } from "../../grammar/index.js";
import { print } from "../../grammar/printer.js";
import { exportDocument } from "../../importers/export-json.js";
import { importParsed } from "../../importers/import-json.js";

const catalog = loadCatalog().catalog;

function check(ifs: string, org = "") {
  const text = `${org}\npolicy "p" { id p\n  if tool is github.list_issues\n  if ${ifs}\n  action block }\n`;
  const r = checkProject([{ file: "p.policy", text }], catalog);
  return { diags: r.diagnostics.map((d) => ({ code: d.code, message: d.message, hint: d.hint ?? "" })), expr: r.policies[0]?.ifs[1]?.expr };
}

describe("counting conditions in the checker", () => {
  it.each([
    ["rate(today) > 100", { k: "rate", windowMs: 0, cmp: ">", n: 100, period: "day" }],
    ["rate(this hour, tenant, allowed) > 100", { k: "rate", windowMs: 0, cmp: ">", n: 100, scope: "tenant", period: "hour", allowed: true }],
    ["rate(5m, integration, operation is Read) > 3", { k: "rate", windowMs: 300000, cmp: ">", n: 3, filter: { k: "operation", ops: ["Read"] }, scope: "integration" }],
    ["count(session, tool is github.list_issues) >= 3", { k: "rate", windowMs: 0, cmp: ">=", n: 3, filter: { k: "tool", keys: ["github.list_issues"] }, scope: "session", period: "session" }],
    ["sum(args.perPage, today) > 500", { k: "rate", windowMs: 0, cmp: ">", n: 500, period: "day", sum: ["perPage"] }],
    ["sum(args.perPage, session) > 500", { k: "rate", windowMs: 0, cmp: ">", n: 500, scope: "session", period: "session", sum: ["perPage"] }],
    ["sum(args.perPage, 1h) > 500", { k: "rate", windowMs: 3600000, cmp: ">", n: 500, sum: ["perPage"] }],
    ["sum(args.perPage, tenant, 30m, allowed, tool is github.list_issues) > 500", { k: "rate", windowMs: 1800000, cmp: ">", n: 500, filter: { k: "tool", keys: ["github.list_issues"] }, scope: "tenant", allowed: true, sum: ["perPage"] }],
    ["burst(tenant)", { k: "burst", scope: "tenant" }],
    ["burst(integration)", { k: "burst", scope: "integration" }],
    ["rate(5m) > 20", { k: "rate", windowMs: 300000, cmp: ">", n: 20 }],
    ["session has seen PROMPT_INJECTION", { k: "session_seen", cls: "PROMPT_INJECTION" }],
  ])("%s", (src, expr) => {
    const r = check(src);
    expect(r.diags).toEqual([]);
    expect(r.expr).toEqual(expr);
  });

  it.each([
    ["rate(session) > 3", /needs a window/, /rate\(today\)/],
    ["rate(5m, today) > 3", /`today` is not an option here/, /window is the first parameter/],
    ["rate(5m, tenant, integration) > 3", /two scopes/, /one of tenant, integration, session/],
    ["rate(5m, agent is \"x\") > 3", /may only use integration, tool/, /operation is Delete/],
    ["count(tenant) > 3", /counts the calls of the session/, /count\(session, tool is allocate_vm\)/],
    ["sum(args.perPage) > 3", /needs a period/, /today/],
    ["sum(args.title, today) > 3", /.*/, /.*/],
    ["sum(5m, today) > 3", /adds up an argument/, /sum\(args.amount, today\)/],
    ["sum(args.perPage, today) is 3", /compare `sum\(…\)` with a number/, /sum\(args.amount, today\)/],
    ["sum(args.perPage, 1h, today) > 3", /two periods/, /sliding window such as 1h/],
    ["sum(args.perPage, 0s) > 3", /holds no calls/, /at least one second/],
    ["rate(5m, 1h) > 3", /`1h` is not an option here/, /window is the first parameter/],
    ["burst(session)", /one scope/, /agent's own calls/],
    ["count > 3", /needs its parameters/, /count\(session/],
    ["session has seen SECRET", /unknown data class "SECRET"/, /did you mean `SECRETS`/],
  ])("%s is an error with a hint", (src, message, hint) => {
    const r = check(src);
    const errors = r.diags.filter((d) => d.code.startsWith("PDL2"));
    expect(errors.length, JSON.stringify(r.diags)).toBeGreaterThan(0);
    expect(errors[0]!.message).toMatch(message);
    expect(errors[0]!.hint).toMatch(hint);
  });

  it("organization timezone and tenant_timezones are checked and shipped", () => {
    const ok = checkProject([{ file: "o.policy", text: `organization { timezone "Europe/Berlin" tenant_timezones { acme: "America/New_York" } }` }], catalog);
    expect(ok.diagnostics).toEqual([]);
    expect(ok.organization).toMatchObject({ timezone: "Europe/Berlin", tenant_timezones: { acme: "America/New_York" } });
    const bad = checkProject([{ file: "o.policy", text: `organization { timezone "Europe/Berln" tenant_timezones { acme: 3 } }` }], catalog);
    expect(bad.diagnostics.map((d) => d.code)).toEqual(["PDL2051", "PDL2044"]);
  });
});

describe("counting conditions in fmt and the JSON export", () => {
  const src = `policy "Quotas" {
  id quotas
  if rate(this hour, tenant, allowed, integration is GitHub) > 100
  if sum(args.perPage, today, tool is github.list_issues) > 500 or count(session, allowed) >= 3
  if sum(args.perPage, 1h, allowed, tool is github.list_issues) > 900
  if burst(integration)
  if session has seen SECRETS
  action block
}
`;
  it("fmt prints them back unchanged", () => {
    const ast = parse(src, "q.policy").ast;
    expect(print(ast)).toBe(src);
  });

  it("export → import gives the same source", () => {
    const ast = parse(src, "q.policy").ast;
    const doc = exportDocument([{ file: "q.policy", ast }]);
    const back = importParsed(JSON.parse(JSON.stringify(doc)), "q.json");
    expect(back.diagnostics).toEqual([]);
    expect(back.files[0]!.text).toBe(src);
  });
});
