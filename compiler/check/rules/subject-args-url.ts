/**
 * URL conditions on an argument: `args.url host is "github.com"`, `host in [...]`,
 * `host matches "*.github.com"`, `scheme is https`, `path matches "/acme/*"`. The part is the word
 * after the argument path (the grammar's qualifier); literals are put in the form the runtime's
 * WHATWG parse gives (hosts lower-case and IDNA, schemes lower-case), so that they can match.
 * Also the lint of URL globs with a wildcard inside the host (`"https://github.com*"`).
 */
import type * as A from "../../../grammar/ast.js";
import type { CExpr } from "../../model.js";
import { globToRegexSource } from "../../../runtime/glob.js";
import { canonicalHost, URL_PARTS, type UrlPart } from "../../../runtime/canonical-url.js";
import { didYouMean, itemsOf, type CheckContext, type PolicyScope } from "../context.js";
import type { ArgRef } from "./subject-args.js";

/** A literal of a URL part in the form the runtime compares (undefined: an error was reported). */
function partLiteral(ctx: CheckContext, part: UrlPart, v: A.Value): string | undefined {
  if (v.kind !== "String" && v.kind !== "Name") { ctx.error("PDL2007", v.span, `expected a ${part} as a string`, part === "host" ? "e.g. `host is \"github.com\"`" : undefined); return undefined; }
  const text = v.value;
  if (part === "scheme") {
    if (/^[A-Za-z][A-Za-z0-9+.-]*$/.test(text)) return text.toLowerCase();
    ctx.error("PDL2017", v.span, `${JSON.stringify(text)} is not a URL scheme`, "write it without `:` or `//`, e.g. `scheme is https`");
    return undefined;
  }
  if (part === "path") {
    if (text.startsWith("/")) return text;
    ctx.error("PDL2017", v.span, `a URL path starts with /, not ${JSON.stringify(text.slice(0, 1))}`, `e.g. \`path is "/${text}"\``);
    return undefined;
  }
  const host = canonicalHost(text);
  if (host !== undefined) return host;
  ctx.error("PDL2017", v.span, `${JSON.stringify(text)} is not a host name`, "write the host alone, without scheme, port or path: `host is \"github.com\"`");
  return undefined;
}

/** A host glob: lower-cased; a non-ASCII label must be written in its IDNA form. */
function hostGlob(ctx: CheckContext, v: A.StringValue): string | undefined {
  if (/[^\x00-\x7f]/.test(v.value)) {
    ctx.error("PDL2017", v.span, "a host pattern must be ASCII", `write international names in their IDNA form (\`${canonicalHost(v.value.replace(/[*?]/g, "x")) ?? "xn--…"}\`)`);
    return undefined;
  }
  if (/[/:@]/.test(v.value)) {
    ctx.error("PDL2017", v.span, `${JSON.stringify(v.value)} is not a host pattern`, "match the host alone, e.g. `host matches \"*.github.com\"`");
    return undefined;
  }
  return v.value.toLowerCase();
}

function partOf(c: A.Condition, ctx: CheckContext): UrlPart | undefined {
  const q = c.subject.qualifier!;
  if ((URL_PARTS as readonly string[]).includes(q.value)) return q.value as UrlPart;
  const dm = didYouMean(q.value, URL_PARTS, q.span);
  ctx.error("PDL2005", q.span, `unknown part of a URL \`${q.value}\``, dm.hint ?? "use host, scheme or path, e.g. `args.url host is \"github.com\"`", { fixes: dm.fixes });
  return undefined;
}

/** `args.<path> host|scheme|path is|in|matches …`. */
export function checkUrlCondition(c: A.Condition, s: PolicyScope, path: readonly string[], refs: ArgRef[]): CExpr | undefined {
  const { ctx } = s;
  const part = partOf(c, ctx);
  if (!part) return undefined;
  let leaf: CExpr;
  switch (c.op) {
    case "is": case "is_not": {
      const v = c.value && partLiteral(ctx, part, c.value);
      if (v === undefined) return undefined;
      leaf = { k: "url", path, part, op: "eq", value: v };
      break;
    }
    case "in": case "not_in": {
      if (c.value?.kind !== "List") { ctx.error("PDL2007", c.value?.span ?? c.span, "`in` needs a list", `e.g. \`${part} in ["github.com", "gitlab.com"]\``); return undefined; }
      const values = itemsOf(c.value).map((v) => partLiteral(ctx, part, v));
      if (values.some((v) => v === undefined)) return undefined;
      leaf = { k: "url", path, part, op: "in", values: values as string[] };
      break;
    }
    case "matches": {
      if (c.value?.kind !== "String") { ctx.error("PDL2007", c.value?.span ?? c.span, "`matches` needs a quoted glob", `e.g. \`${part} matches "${part === "host" ? "*.github.com" : "/acme/*"}"\``); return undefined; }
      const glob = part === "host" ? hostGlob(ctx, c.value) : part === "scheme" ? c.value.value.toLowerCase() : c.value.value;
      if (glob === undefined) return undefined;
      leaf = { k: "url", path, part, op: "matches", glob, re: globToRegexSource(glob) };
      break;
    }
    default:
      ctx.error("PDL2006", c.opSpan, `a URL's ${part} cannot be used with \`${c.op.replace("_", " ")}\``, "use is, is not, in, not in or matches");
      return undefined;
  }
  refs.push({ cond: c, path, op: "url", literals: [] });
  return c.op === "is_not" || c.op === "not_in" ? { k: "not", x: leaf } : leaf;
}

/**
 * PDL2016: a URL glob with `*` or `?` inside its host (`"https://github.com?*"`,
 * `"https://github.com*"`, `"https://*.github.com/*"`): the wildcard also matches the rest of
 * another host (`https://github.com.attacker.io/`) or a path (`https://evil.io/x.github.com/`).
 */
export function warnHostWildcard(ctx: CheckContext, v: A.StringValue): void {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)((?:[^/\\*?]|\\.)*)([*?])/.exec(v.value);
  if (!m || m[2]!.includes("/")) return;
  const host = m[2]!.replace(/^.*@/, "") || "github.com";
  const where = m[2] === "" ? "starts" : "ends";
  ctx.warn("PDL2016", v.span, `\`${m[3]}\` in this URL pattern stands where the host ${where}: it also matches other hosts (\`${m[1]}${where === "ends" ? `${host}.attacker.io` : "attacker.io/x"}…\`)`,
    `compare the host itself: \`host is "${host.replace(/[*?\\]/g, "") || "github.com"}"\` or \`host matches "*.${host.replace(/^[*.?]+/, "").replace(/[*?\\]/g, "") || "github.com"}"\` (and \`path matches "/…"\` for the rest); escape a literal character as \`\\\\*\` or \`\\\\?\``);
}
