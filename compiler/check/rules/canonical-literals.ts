/**
 * PDL2018: a literal compared with an argument the catalog marks as a path or a URL, written in a
 * form the canonical value never has (`args.path is "./secret.txt"`, `matches "./secret*"`,
 * `args.url is "HTTPS://GitHub.com/"`). The runtime compares canonical values, so such a condition
 * silently never holds; the hint gives the canonical spelling.
 */
import type { CatalogTool } from "../../catalog/catalog.js";
import type { ArgKind } from "../../catalog/types.js";
import { canonicalPath } from "../../../runtime/canonical-path.js";
import { canonicalUrl } from "../../../runtime/canonical-url.js";
import { globPieces } from "../../../runtime/glob.js";
import { canonicalBranch } from "../../../runtime/git-push.js";
import type { CheckContext } from "../context.js";
import type { ArgRef } from "./subject-args.js";

/** The kind a tool's catalog gives the argument at `path` (an array marked `x[*]` counts for `x`). */
function kindAt(t: CatalogTool, path: readonly string[]): ArgKind | undefined {
  const key = path.map((p, i) => (p.startsWith("[") ? "[*]" : i ? `.${p}` : p)).join("");
  return t.argKinds[key] ?? t.argKinds[`${key}[*]`];
}

/** The canonical spelling of a literal, when it differs (undefined: it is canonical, or cannot be judged). */
function canonicalOf(kind: ArgKind, text: string): string | undefined {
  if (kind === "url") { const c = canonicalUrl(text); return c !== text ? c : undefined; }
  if (kind !== "path" || text.startsWith("/") || /^[A-Za-z]:[/\\]/.test(text) || text.startsWith("~")) return undefined; // absolute: depends on the root
  const c = canonicalPath(text);
  return "path" in c && c.path !== text ? c.path : undefined;
}

/** A glob with its wildcards replaced by a plain character, so that its fixed parts can be judged. */
function globShape(glob: string): string {
  return globPieces(glob).map((p) => (typeof p === "string" ? "x" : p.lit)).join("");
}

/** `args.branches` of a `git push` tool (arg kind `git_push`): a literal in another spelling never equals it. */
function checkBranchLiterals(ctx: CheckContext, ref: ArgRef): void {
  const v = ref.cond.value;
  const texts = ref.op === "matches" && v?.kind === "String" ? [{ value: v.value as unknown, span: v.span }] : ref.literals;
  for (const l of texts) {
    if (typeof l.value !== "string" || l.value === "*") continue;
    const c = canonicalBranch(l.value);
    if (c !== l.value) ctx.warn("PDL2018", l.span, `${JSON.stringify(l.value)} is never equal to this argument: branches are compared in one spelling (lower case, without \`refs/heads/\`)`, `write ${JSON.stringify(c)}`);
  }
}

/** Warns about literals of `ref` that the canonical value of a marked argument can never be. */
export function checkCanonicalLiterals(ctx: CheckContext, ref: ArgRef, tools: readonly CatalogTool[]): void {
  if (tools.length && ref.path[0] === "branches" && tools.every((t) => t.argKinds["argv"] === "git_push")) return checkBranchLiterals(ctx, ref);
  const kinds = new Set(tools.map((t) => kindAt(t, ref.path)).filter((k): k is ArgKind => k !== undefined));
  if (kinds.size !== 1) return;
  const kind = [...kinds][0]!;
  const v = ref.cond.value;
  if (ref.op === "matches" && v?.kind === "String" && kind === "path") {
    const fixed = canonicalOf(kind, globShape(v.value));
    if (fixed !== undefined) ctx.warn("PDL2018", v.span, `this pattern can never match: the argument is a path, compared in canonical form (no \`./\`, \`..\`, \`//\` or trailing \`/\`)`, "write the pattern as a canonical path, e.g. `secret*` rather than `./secret*`, or use `under \"folder\"`");
    return;
  }
  for (const l of ref.literals) {
    if (typeof l.value !== "string") continue;
    const c = canonicalOf(kind, l.value);
    if (c !== undefined) ctx.warn("PDL2018", l.span, `${JSON.stringify(l.value)} is never equal to this argument: it is a ${kind === "path" ? "path" : "URL"}, compared in canonical form`, `write ${JSON.stringify(c)}`);
  }
}
