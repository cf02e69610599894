/**
 * `default for integration X …`, `default for tenant "t" …`, `default for agent "A" [integration X] …`:
 * parsed, printed back, checked (one per target, known integrations, quoted names), built into the
 * bundle in precedence order, decided by the runtime as by the reference evaluator, with reasons
 * that name the default; and a call that matched only a sanitize or alert policy is not said to
 * have matched no policy.
 */
import { describe, expect, test } from "vitest";
import { parse } from "../../grammar/index.js";
import { print as format } from "../../grammar/printer.js";
import { checkProject } from "../../compiler/check/index.js";
import { referenceDecide } from "../../compiler/reference/index.js";
import { createEnforcer } from "../../runtime/index.js";
import { bundleProblem as checkBundle } from "../../runtime/bundle-check.js";
import type { Bundle, SessionEvent } from "../../runtime/types.js";
import { smallCatalog } from "../support/small-catalog.js";
import { prepare } from "../fuzz/compare.js";

const catalog = smallCatalog();

const SOURCE = `default by operation { Read: allow  Write: require_approval  Delete: block  Unknown: block }
default for integration alpha by operation { Write: allow }
default for tenant "t1" by operation { Delete: require_approval }
default for tenant "t1" integration beta block
default for agent "A" allow
`;

function call(integration: string, tool: string, extra: Partial<SessionEvent> = {}): SessionEvent {
  return { type: "tool_call_request", session_id: "s", agent: { name: "Z" }, ...extra, call: { id: "c", type: "mcp", integration, tool, args: {} } };
}

function built(src: string) {
  const p = prepare(src, false, catalog);
  if (typeof p === "string") throw new Error(p);
  return { ...p, enforcer: createEnforcer(p.bundle) };
}

const codes = (src: string) => checkProject([{ file: "d.policy", text: src }], catalog).diagnostics.map((d) => `${d.code} ${d.span.line}: ${d.message}`);

describe("default for …: the language", () => {
  test("parses and prints back as written", () => {
    const r = parse(SOURCE, "d.policy");
    expect(r.diagnostics).toEqual([]);
    const once = format(r.ast);
    expect(format(parse(once, "d.policy").ast)).toBe(once);
    expect(once).toContain('default for tenant "t1" integration beta block');
    expect(once).toContain("default for integration alpha by operation {\n  Write: allow\n}");
  });

  test("one default per target; two project-wide defaults are still an error", () => {
    expect(codes(`default for integration alpha allow\ndefault for integration Alpha block\n`)).toEqual(["PDL2033 2: a project has one `default for integration alpha`"]);
    expect(codes(`default allow\ndefault block\n`)).toEqual(["PDL2033 2: a project has one `default`"]);
    expect(codes(`default allow\ndefault for integration alpha block\ndefault for integration beta block\n`)).toEqual([]);
  });

  test("unknown integrations, keys and unquoted names are errors with a hint", () => {
    expect(codes(`default for integration alpah allow\n`)).toEqual(['PDL2001 1: unknown integration "alpah"']);
    expect(codes(`default for tenent "t1" allow\n`)).toEqual(['PDL2034 1: a default cannot be for "tenent"']);
    expect(codes(`default for tenant t1 allow\n`)).toEqual(["PDL2034 1: the tenant is a quoted name"]);
    expect(codes(`default for tenant "t1" agent "A" allow\n`)).toEqual(["PDL2034 1: a default is for one tenant or one agent, not both"]);
    expect(codes(`default for integration alpha by operation { Wrte: block }\n`)).toEqual(['PDL2034 1: "Wrte" is not an operation']);
  });

  test("the bundle lists the defaults in precedence order, whatever the source order", () => {
    const { bundle } = built(SOURCE);
    expect(bundle.defaults!.map((d) => [d.agent, d.tenant, d.integration])).toEqual([
      ["A", undefined, undefined], [undefined, "t1", "beta"], [undefined, "t1", undefined], [undefined, undefined, "alpha"],
    ]);
    expect(checkBundle(bundle)).toBeUndefined();
  });
});

describe("default for …: decisions", () => {
  const { enforcer, model } = built(SOURCE);
  const cases: [string, SessionEvent, string, string][] = [
    ["an integration's default", call("alpha", "create_item"), "allow", "no policy matched; default for integration alpha by operation: Write → allow"],
    ["an operation it leaves out falls through to the project default", call("alpha", "delete_item"), "block", "no policy matched; default by operation: Delete → block"],
    ["a tenant's default before the integration's", call("alpha", "delete_item", { tenant: "t1" }), "require_approval", 'no policy matched; default for tenant "t1" by operation: Delete → require_approval'],
    ["a tenant's integration default before the tenant's", call("beta", "purge_things", { tenant: "t1" }), "block", 'no policy matched; default for tenant "t1" integration beta: block'],
    ["an agent's default before every tenant default", call("beta", "purge_things", { tenant: "t1", agent: { name: "A" } }), "allow", 'no policy matched; default for agent "A": allow'],
    ["another tenant gets the project default", call("beta", "purge_things", { tenant: "t2" }), "block", "no policy matched; default by operation: Delete → block"],
    ["an unknown tool has operation Unknown", call("alpha", "frobnicate"), "block", "no policy matched; default by operation: Unknown → block"],
  ];
  test.each(cases)("%s", (_, ev, effect, reason) => {
    const d = enforcer.decide(ev);
    expect([d.effect, d.policy, d.reason]).toEqual([effect, null, reason]);
    expect(referenceDecide(model, ev).effect).toBe(effect);
  });

  test("agent_discovered events are never decided by a default", () => {
    const d = enforcer.decide({ type: "agent_discovered", session_id: "s", agent: { name: "Z" } });
    expect(d.effect).toBe("allow");
  });
});

describe("the reason when only obligations matched", () => {
  test("a sanitize-only match is named, not 'no policy matched'", () => {
    const { enforcer } = built(`policy "Mask" {\n  id mask\n  if integration is alpha\n  action sanitize [args.name]\n}\n`);
    const d = enforcer.decide(call("alpha", "get_item"));
    expect(d.reason).toBe("no policy decided (matched only for alerts or sanitizing: mask); allowed by default");
    expect(enforcer.decide(call("beta", "get_item")).reason).toBe("no policy matched; allowed by default");
  });
});

describe("a bundle with malformed defaults is rejected", () => {
  test.each([
    [{ defaults: {} }, "defaults: not a list"],
    [{ defaults: [{ integration: "alpha", ops: { Write: "maybe" }, form: "by_operation" }] }, "defaults[0].ops.Write: malformed"],
    [{ defaults: [{ tenant: 3, ops: {}, form: "single" }] }, "defaults[0].tenant: not a string"],
  ])("%j", (patch, problem) => {
    const { bundle } = built(SOURCE);
    expect(checkBundle({ ...bundle, ...patch } as unknown as Bundle)).toBe(problem);
  });
});
