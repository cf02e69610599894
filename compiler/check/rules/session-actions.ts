/**
 * Session actions: what a message from the user may change in its session.
 *
 * | action | changes |
 * |---|---|
 * | `mark "reviewed"` | sets the mark `session has mark "reviewed"` tests |
 * | `clear mark "reviewed"` | takes the mark out |
 * | `clear seen SECRETS` | takes out what `session has seen SECRETS` tests (a data class) |
 * | `clear untrusted_content` | takes out what `session has untrusted_content` tests (a catalog label) |
 *
 * Only `when message_from_user` policies may change the session (PDL2095): a tool's result or the
 * agent's own words to its user must never lift a restriction. A malformed form is PDL2096.
 */
import type * as A from "../../../grammar/ast.js";
import type { SessionChange, Trigger } from "../../../runtime/types.js";
import { markLabel, seenLabel } from "../../../runtime/seen.js";
import { didYouMean, type CheckContext } from "../context.js";

export const SESSION_ACTIONS = ["mark", "clear"];

/** Longest mark name (a mark is a word a policy author chose, not data). */
const MAX_MARK = 100;

/** A mark's name: a non-empty string of at most MAX_MARK characters without control characters. */
function markName(ctx: CheckContext, a: A.ActionNode, form: string): string | undefined {
  const m = a.message;
  if (!m) { ctx.error("PDL2096", a.span, `\`${form}\` needs the mark's name`, `e.g. \`${form} "reviewed"\``); return undefined; }
  // eslint-disable-next-line no-control-regex
  if (m.value === "" || m.value.length > MAX_MARK || /[\u0000-\u001f\u007f]/.test(m.value)) {
    ctx.error("PDL2096", m.span, "a mark's name is 1 to 100 characters, without control characters", "e.g. `mark \"reviewed\"`");
    return undefined;
  }
  return m.value;
}

/** The change one `mark` / `clear` action makes; undefined after an error. */
function changeOf(ctx: CheckContext, a: A.ActionNode): SessionChange | undefined {
  if (a.fields || a.from || a.to) { ctx.error("PDL2096", a.span, `\`${a.name}\` takes no field list, \`from\` or \`to\``, "e.g. `mark \"reviewed\"`, `clear seen SECRETS`"); return undefined; }
  if (a.name === "mark") {
    if (a.what) { ctx.error("PDL2096", a.what.word.span, "`mark` takes only the mark's name", "e.g. `mark \"reviewed\"`; `clear …` takes things out"); return undefined; }
    const m = markName(ctx, a, "mark");
    return m === undefined ? undefined : { change: "mark", label: markLabel(m) };
  }
  const w = a.what;
  if (!w) { ctx.error("PDL2096", a.nameSpan, "`clear` needs what to clear", "e.g. `clear seen SECRETS`, `clear untrusted_content`, `clear mark \"reviewed\"`"); return undefined; }
  if (!w.seen && w.word.value === "mark") { const m = markName(ctx, a, "clear mark"); return m === undefined ? undefined : { change: "clear", label: markLabel(m) }; }
  if (a.message) { ctx.error("PDL2096", a.message.span, `\`clear ${w.seen ? "seen " : ""}${w.word.value}\` takes no message`, "a message goes on alert"); return undefined; }
  if (w.seen) {
    if (!ctx.dataClasses.has(w.word.value)) { unknown(ctx, w.word, ctx.dataClasses, "data class"); return undefined; }
    return { change: "clear", label: seenLabel(w.word.value) };
  }
  const labels = new Set(ctx.catalog.allTools().flatMap((t) => t.labels));
  if (!labels.has(w.word.value)) { unknown(ctx, w.word, labels, "catalog label"); return undefined; }
  return { change: "clear", label: w.word.value };
}

function unknown(ctx: CheckContext, word: A.NameValue, known: ReadonlySet<string>, what: string): void {
  const dm = didYouMean(word.value, known, word.span);
  ctx.error("PDL2004", word.span, `unknown ${what} "${word.value}"`, dm.hint ?? (what === "data class" ? "e.g. `clear seen SECRETS`" : "e.g. `clear untrusted_content`"), { fixes: dm.fixes });
}

/** The session changes of a policy's `mark` / `clear` actions, in written order; undefined after an error. */
export function checkSessionActions(ctx: CheckContext, trigger: Trigger, actions: readonly A.ActionNode[]): SessionChange[] | undefined {
  const out: SessionChange[] = [];
  let ok = true;
  for (const a of actions) {
    if (!SESSION_ACTIONS.includes(a.name)) continue;
    if (trigger !== "message_from_user") {
      ctx.error("PDL2095", a.nameSpan, `\`${a.name}\` changes the session: only a message from the user may do that, not a ${trigger} event`,
        "put it on a `when message_from_user` policy (a tool's result or the agent's own words must never lift a restriction)");
      ok = false;
      continue;
    }
    const c = changeOf(ctx, a);
    if (c) out.push(c); else ok = false;
  }
  return ok ? out : undefined;
}
