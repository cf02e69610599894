/** `detector Name /regex/ class CLASS`: valid, unique, and free of catastrophic backtracking. */
import { createRequire } from "node:module";
import type * as A from "../../../grammar/ast.js";
import type { CheckedDetector } from "../../model.js";
import type { CheckContext } from "../context.js";

declare const require: NodeJS.Require | undefined;
type CheckSync = typeof import("recheck").checkSync;
let recheck: CheckSync | undefined;
/** recheck's verdicts by pattern and flags: the analysis is pure and costly, and projects are checked again and again (language server, test runs). */
const verdicts = new Map<string, ReturnType<CheckSync>>();
/** recheck is large: loaded only when a project declares a detector. */
function checkSync(...args: Parameters<CheckSync>): ReturnType<CheckSync> {
  // `require` exists when this module is bundled as CommonJS (the VS Code extension); ESM uses createRequire.
  const req = typeof require === "function" ? require : createRequire(import.meta.url);
  recheck ??= (req("recheck") as { checkSync: CheckSync }).checkSync;
  return recheck(...args);
}

export function checkDetectors(ctx: CheckContext, decls: readonly A.DetectorDecl[]): CheckedDetector[] {
  const out: CheckedDetector[] = [];
  const seen = new Map<string, A.DetectorDecl>();
  for (const d of decls) {
    const prev = seen.get(d.name.value.toLowerCase());
    if (prev) {
      ctx.error("PDL2042", d.name.span, `detector "${d.name.value}" is declared twice`, "rename one of them", { related: [{ span: prev.name.span, message: "first declared here" }] });
      continue;
    }
    seen.set(d.name.value.toLowerCase(), d);
    const bad = d.pattern.flags.replace(/[imsu]/g, "");
    if (bad) { ctx.error("PDL2040", d.pattern.span, `unsupported regex flag(s) "${bad}"`, "detectors are always global and case-insensitive; allowed flags: m, s, u"); continue; }
    try {
      new RegExp(d.pattern.source, d.pattern.flags);
    } catch (e) {
      ctx.error("PDL2040", d.pattern.span, `invalid regex: ${(e as Error).message.replace(/^Invalid regular expression: /, "")}`, "write a JavaScript regular expression");
      continue;
    }
    const cacheKey = `${d.pattern.flags}/${d.pattern.source}`;
    let r = verdicts.get(cacheKey);
    if (!r) {
      r = checkSync(d.pattern.source, "gi" + d.pattern.flags, { timeout: 2000 });
      // A timed-out analysis ("unknown") may succeed on a less busy moment: only definite verdicts are kept.
      if (r.status !== "unknown") { if (verdicts.size >= 1000) verdicts.clear(); verdicts.set(cacheKey, r); }
    }
    if (r.status === "vulnerable") {
      ctx.error("PDL2041", d.pattern.span,
        `this regex can backtrack ${r.complexity.type === "exponential" ? "exponentially" : "polynomially"} (an input like ${JSON.stringify(r.attack.string.slice(0, 40))}… takes ${r.complexity.type} time)`,
        "bound the repetitions (e.g. {1,64} instead of +) and avoid nested or overlapping quantifiers");
      continue;
    }
    if (r.status === "unknown") {
      ctx.warn("PDL2046", d.pattern.span, "could not prove that this regex runs in linear time", "simplify it: bounded repetitions, no nested quantifiers, no back-references");
    }
    const cls = (d.class?.value ?? "INTERNAL").toUpperCase();
    ctx.dataClasses.add(cls);
    out.push({ name: d.name.value, source: d.pattern.source, flags: d.pattern.flags, class: cls, span: d.span });
  }
  return out;
}
