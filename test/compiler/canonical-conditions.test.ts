/**
 * The conditions that say what they mean, from source to decision: `under`, URL parts, `[n]` /
 * `[*]` paths, `matches` / `contains` on arrays of strings, glob escapes; their diagnostics
 * (PDL2012, PDL2016, PDL2017, the `args.argv.0` hint); the bundle check; `explain` showing the
 * raw and the canonical arguments; and, as a property, that every spelling of a path is decided
 * as its canonical form.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { checkProject } from "../../compiler/check/index.js";
import { buildBundle } from "../../compiler/emit/index.js";
import { explain, formatExplanation } from "../../compiler/explain.js";
import { runTests } from "../../testing/index.js";
import { parse } from "../../grammar/index.js";
import { createEnforcer } from "../../runtime/index.js";
import { canonicalPath } from "../../runtime/canonical-path.js";
import type { Bundle, SessionEvent } from "../../runtime/types.js";

const CATALOG = JSON.stringify({
  format: "policy-catalog/1",
  integrations: [{ id: "fs", name: "Files", call_type: "mcp", tools: [
    { name: "read", operation: "Read", arg_kinds: { path: "path" }, args: { type: "object", properties: { path: { type: "string" }, count: { type: "number" } } } },
    { name: "read_many", operation: "Read", arg_kinds: { "paths[*]": "path" }, args: { type: "object", properties: { paths: { type: "array", items: { type: "string" } }, ids: { type: "array", items: { type: "number" } } } } },
    { name: "fetch", operation: "Read", arg_kinds: { url: "url" }, args: { type: "object", properties: { url: { type: "string" }, argv: { type: "array", items: { type: "string" } } } } },
  ] }],
});
const catalog = loadCatalog([{ file: "fs.json", text: CATALOG }]).catalog;

function check(src: string) {
  return checkProject([{ file: "t.policy", text: src }], catalog);
}
function bundleOf(src: string): Bundle {
  const p = check(src);
  expect(p.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return buildBundle(p, {});
}
const codes = (src: string) => check(src).diagnostics.filter((d) => d.code !== "PDL4004").map((d) => [d.code, d.severity]);
const call = (tool: string, args: Record<string, unknown>, folders: { root?: string; home?: string } = { root: "/srv/sb", home: "/home/u" }): SessionEvent =>
  ({ type: "tool_call_request", session_id: "s", ts: "2026-11-23T10:00:00Z", agent: { name: "A" }, call: { id: "c", type: "mcp", integration: "fs", tool, args, ...folders } });

const POLICIES = `
policy "ssh" { id ssh  if tool is fs.read  if args.path under "~/.ssh" or args.path under "/etc"  action block "ssh or etc" }
policy "secret" { id secret  if tool is fs.read  if args.path matches "secret*"  action block "secret" }
policy "many" { id many  if tool is fs.read_many  if args.paths matches "secret*" or args.paths[*] under "./private"  action block "many" }
policy "github" { id github  if tool is fs.fetch  if not args.url host in ["github.com"] or args.url path matches "/admin*"  action block "github only" }
policy "env" { id env  if tool is fs.fetch  if args.argv[1] is ".env" or args.argv contains "secret"  action block "env" }
policy "public" { id public  if tool is fs.read_many  if not args.paths[all] under "./public"  action block "only public files" }
policy "star" { id star  if tool is fs.fetch  if args.argv[*] matches "a\\\\*b"  action block "literal star" }
`;

describe("conditions on canonical arguments", () => {
  const enforcer = createEnforcer(bundleOf(POLICIES));
  const effect = (e: SessionEvent) => { const d = enforcer.decide(e); return d.policy?.id ?? d.effect; };

  it("under: component-wise on the canonical path, with the home folder and the root", () => {
    expect(effect(call("read", { path: "~/.ssh/id_rsa" }))).toBe("ssh");
    expect(effect(call("read", { path: "/home/u/.ssh/../.ssh/id_rsa" }))).toBe("ssh");
    expect(effect(call("read", { path: "x/.ssh/id_rsa" }))).toBe("allow");
    expect(effect(call("read", { path: "/etc/passwd" }))).toBe("ssh");
    expect(effect(call("read", { path: "/etc2/passwd" }))).toBe("allow");
    expect(effect(call("read", { path: "../../etc/passwd" }))).toBe("ssh");
    expect(effect(call("read", { path: "./secret.txt" }))).toBe("secret");
    expect(effect(call("read", { path: "/srv/sb/secret.txt" }))).toBe("secret");
    expect(effect(call("read", { path: "/srv/sb/secret.txt" }, {}))).toBe("allow"); // no root: an absolute path is not `secret*`
  });

  it("arrays: matches and contains hold when any element does; [n] and [*] index them", () => {
    expect(effect(call("read_many", { paths: ["a", "./secret.txt"] }))).toBe("many");
    expect(effect(call("read_many", { paths: ["a", "private/../private/x"] }))).toBe("many");
    expect(effect(call("read_many", { paths: ["public/a", "privately/x"] }))).toBe("public");
    expect(effect(call("read_many", { paths: ["public/a", "./public/../public/b"] }))).toBe("allow");
    expect(effect(call("read_many", { paths: [] }))).toBe("allow");
    expect(effect(call("read_many", {}))).toBe("public"); // no array: "every element is under" does not hold
    expect(effect(call("fetch", { url: "https://github.com/", argv: ["cat", ".env"] }))).toBe("env");
    expect(effect(call("fetch", { url: "https://github.com/", argv: [".env", "x"] }))).toBe("allow");
    expect(effect(call("fetch", { url: "https://github.com/", argv: ["x", "my-secret-file"] }))).toBe("env");
    expect(effect(call("fetch", { url: "https://github.com/", argv: ["a*b"] }))).toBe("star");
    expect(effect(call("fetch", { url: "https://github.com/", argv: ["axxb"] }))).toBe("allow");
  });

  it("URL parts: host, scheme and path of the canonical URL; not a URL: never holds", () => {
    expect(effect(call("fetch", { url: "https://GitHub.com/acme" }))).toBe("allow");
    expect(effect(call("fetch", { url: "https://github.com.attacker.io/" }))).toBe("github");
    expect(effect(call("fetch", { url: "https://github.com@evil.io/" }))).toBe("github");
    expect(effect(call("fetch", { url: "https://github.com/%61dmin/x" }))).toBe("github");
    expect(effect(call("fetch", { url: "https://github.com/acme/../admin" }))).toBe("github");
    expect(effect(call("fetch", { url: "github.com/acme" }))).toBe("github"); // `host in` never holds, so `not` does
  });

  it("an ambiguous path is blocked before any policy, and says why", () => {
    const d = enforcer.decide(call("read", { path: "a/%2e%2e/secret.txt" }));
    expect(d.effect).toBe("block");
    expect(d.policy).toBeNull();
    expect(d.reason).toMatch(/^ambiguous path: args\.path: a percent-escape hides a \. or \.\. component/);
    expect(createEnforcer(bundleOf(POLICIES)).decide(call("read", { path: "x" }, { root: "relative/root" })).reason).toBe("invalid event: call.root: must be an absolute path");
  });

  it("property: every spelling of a path is decided as its canonical form", () => {
    const seg = fc.constantFrom("secret.txt", "private", "x", ".ssh", "etc", "sb", "notes");
    const piece = fc.oneof(seg, fc.constantFrom(".", "..", "", "~"), seg.map((s) => s.replace(/[.e]/, (c) => `%${c.charCodeAt(0).toString(16)}`)));
    const raw = fc.tuple(fc.constantFrom("", "/", "/srv/sb/", "~/", "/etc/", "/home/u/"), fc.array(piece, { minLength: 1, maxLength: 5 })).map(([head, ps]) => head + ps.join("/"));
    fc.assert(fc.property(raw, fc.constantFrom({ root: "/srv/sb", home: "/home/u" }, {} as { root?: string; home?: string }), (p, folders) => {
      const canon = canonicalPath(p, folders);
      const d = enforcer.decide(call("read", { path: p }, folders));
      if (!("path" in canon)) { expect(d.reason).toMatch(/^ambiguous path/); return; }
      expect(d.effect).toBe(enforcer.decide(call("read", { path: canon.path }, folders)).effect);
      expect(d.policy?.id).toBe(enforcer.decide(call("read", { path: canon.path }, folders)).policy?.id);
    }), { numRuns: 1500 });
  });

  it("explain shows the arguments as sent and as the policies saw them", () => {
    const x = explain(bundleOf(POLICIES), call("read", { path: "sub/../secret.txt" }));
    expect(x.args).toEqual({ raw: { path: "sub/../secret.txt" }, canonical: { path: "secret.txt" } });
    expect(x.policies.find((p) => p.id === "secret")!.outcome).toBe("matched");
    expect(formatExplanation(x)).toContain('canonical: {"path":"secret.txt"} (what the policies saw)');
  });
});

describe("policy test", () => {
  it("`given root` and `given home` set the folders of the calls that follow", () => {
    const src = `${POLICIES}
test "folders" {
  given root "/srv/sb" home "/home/u"
  call fs.read { path: "/srv/sb/secret.txt" }
  expect block by secret
  call fs.read { path: "~/.ssh/config" }
  expect block by ssh
}
test "bad folder" {
  given root "srv"
}
`;
    const p = check(src);
    const r = runTests(p, buildBundle(p, {}));
    expect(r.results.map((t) => [t.name, t.passed])).toEqual([["folders", true], ["bad folder", false]]);
    expect(r.results[1]!.failures[0]!.message).toBe('`given root` needs an absolute path, e.g. "/srv/project"');
  });
});

describe("diagnostics of the new forms", () => {
  it("PDL2016: a wildcard where a URL's host ends", () => {
    expect(codes(`policy "w" { if tool is fs.fetch  if args.url matches "https://github.com?*"  action allow }`)).toEqual([["PDL2016", "warning"]]);
    expect(codes(`policy "w" { if tool is fs.fetch  if args.url matches "https://github.com*"  action allow }`)).toEqual([["PDL2016", "warning"]]);
    expect(codes(`policy "w" { if tool is fs.fetch  if args.url matches "https://*.github.com/*"  action allow }`)).toEqual([["PDL2016", "warning"]]);
    expect(codes(`policy "w" { if tool is fs.fetch  if args.url matches "https://github.com/*"  action allow }`)).toEqual([]);
    expect(codes(`policy "w" { if tool is fs.fetch  if args.url matches "https://github.com\\\\*"  action allow }`)).toEqual([]);
  });

  it("PDL2017 and PDL2005: parts that are not a host, a scheme or a URL path", () => {
    expect(codes(`policy "w" { if tool is fs.fetch  if args.url host is "https://github.com"  action allow }`)).toEqual([["PDL2017", "error"]]);
    expect(codes(`policy "w" { if tool is fs.fetch  if args.url scheme is "https:"  action allow }`)).toEqual([["PDL2017", "error"]]);
    expect(codes(`policy "w" { if tool is fs.fetch  if args.url path is "acme"  action allow }`)).toEqual([["PDL2017", "error"]]);
    const typo = check(`policy "w" { if tool is fs.fetch  if args.url hots is "github.com"  action allow }`).diagnostics.find((d) => d.code === "PDL2005")!;
    expect(typo.hint).toBe("did you mean `host`?");
  });

  it("PDL2012: matches and under on arrays of strings are fine, on numbers not", () => {
    expect(codes(`policy "a" { if tool is fs.read_many  if args.paths matches "x*"  action allow }`)).toEqual([]);
    expect(codes(`policy "a" { if tool is fs.read_many  if args.ids matches "x*"  action allow }`)).toEqual([["PDL2012", "error"]]);
    expect(codes(`policy "a" { if tool is fs.read  if args.count under "x"  action allow }`)).toEqual([["PDL2012", "error"]]);
    expect(codes(`policy "a" { if tool is fs.read  if args.path under "a%2Fb"  action allow }`)).toEqual([["PDL2007", "error"]]);
    expect(codes(`policy "a" { if tool is fs.read_many  if args.paths[*] is 3  action allow }`)).toEqual([["PDL2012", "error"]]);
  });

  it("PDL2018: a literal a canonical path or URL never equals", () => {
    expect(codes(`policy "a" { if tool is fs.read  if args.path is "./secret.txt"  action block }`)).toEqual([["PDL2018", "warning"]]);
    expect(check(`policy "a" { if tool is fs.read  if args.path in ["a", "sub/../b/"]  action block }`).diagnostics.find((d) => d.code === "PDL2018")!.hint).toBe('write "b"');
    expect(codes(`policy "a" { if tool is fs.read  if args.path matches "./secret*"  action block }`)).toEqual([["PDL2018", "warning"]]);
    expect(codes(`policy "a" { if tool is fs.read_many  if args.paths[*] is "x//y"  action block }`)).toEqual([["PDL2018", "warning"]]);
    expect(codes(`policy "a" { if tool is fs.fetch  if args.url is "HTTPS://GitHub.com/"  action block }`)).toEqual([["PDL2018", "warning"]]);
    expect(codes(`policy "a" { if tool is fs.read  if args.path is "secret.txt" or args.path matches "*/.ssh/*" or args.path is "/abs/./x"  action block }`)).toEqual([]);
  });

  it("args.argv.0 is a syntax error whose hint points at [0]", () => {
    const d = parse(`policy "x" {\n  if args.argv.0 is ".env"\n  action block\n}\n`).diagnostics[0]!;
    expect(d.code).toBe("PDL1001");
    expect(d.hint).toBe("index arrays with brackets: `args.argv[0]` (one element) or `args.argv[*]` (any element)");
  });
});

describe("the bundle check knows the new kinds", () => {
  it("rejects a malformed url or under condition (fail closed)", () => {
    const b = bundleOf(POLICIES);
    const tamper = (f: (e: Record<string, unknown>) => void) => {
      const copy = JSON.parse(JSON.stringify(b)) as { policies: { ifs: { expr: Record<string, unknown> }[] }[] };
      for (const p of copy.policies) for (const i of p.ifs) f(i.expr);
      return createEnforcer(copy).decide(call("read", { path: "x" })).reason;
    };
    const walk = (e: Record<string, unknown>, f: (e: Record<string, unknown>) => void): void => {
      f(e);
      for (const x of (e["items"] as Record<string, unknown>[] | undefined) ?? []) walk(x, f);
      if (e["x"]) walk(e["x"] as Record<string, unknown>, f);
    };
    expect(tamper((e) => walk(e, (x) => { if (x["k"] === "url") x["part"] = "port"; }))).toMatch(/^bundle rejected: .*url condition without a path, a known part or a known operator/);
    expect(tamper((e) => walk(e, (x) => { if (x["k"] === "under") delete x["anchor"]; }))).toMatch(/^bundle rejected: .*under condition without a path or an anchor/);
  });
});
