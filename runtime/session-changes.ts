/**
 * Session changes by a message from the user: `when message_from_user` policies with `action mark
 * "reviewed"`, `clear seen SECRETS`, `clear untrusted_content`, `clear mark "reviewed"`.
 *
 * Only a `message_from_user` event decided by `message_from_user` policies carries changes (the
 * checker refuses `mark` / `clear` elsewhere, PDL2095, and bundle-check.ts refuses a bundle that
 * has them elsewhere): nothing a tool returns, nothing the agent says to its user, and no request
 * can change the session this way. The changes of the matched policies are listed in decision
 * order (each policy's in written order) and apply only when the message is forwarded (`allow`);
 * the last change of a label wins. They apply to the message's own session (tenant and
 * `session_id`) and to no other; a message without `session_id` changes nothing.
 */
import type { BundlePolicy, Decision, SessionEvent } from "./types.js";
import type { MarkUpdate } from "./store.js";
import { sessionKeyOf } from "./store-protocol.js";

export type SessionChanges = NonNullable<Decision["session_changes"]>;

/** The changes of the matched policies, in decision order (empty for any other trigger). */
export function changesOf(matched: readonly BundlePolicy[]): SessionChanges {
  const out: SessionChanges = [];
  for (const p of matched) if (p.trigger === "message_from_user") for (const c of p.session ?? []) out.push({ policy: p.id, change: c.change, label: c.label });
  return out;
}

/**
 * The store update of a decision, or a reason why it changes nothing: the message is not forwarded,
 * has no `session_id`, or no policy changes anything.
 */
export function markUpdateOf(e: SessionEvent, d: Decision): MarkUpdate | string {
  const cs = d.session_changes ?? [];
  if (!cs.length) return "no session changes";
  if (e.type !== "message_from_user") return "only a message from the user changes the session";
  if (d.effect !== "allow") return `the message is ${d.effect === "block" ? "withheld" : "held for approval"}: the session is not changed`;
  if (typeof e.session_id !== "string" || e.session_id === "") return "the message has no session_id: no session is changed";
  const last = new Map<string, "mark" | "clear">();
  for (const c of cs) { last.delete(c.label); last.set(c.label, c.change); }
  const add = [...last].filter(([, c]) => c === "mark").map(([l]) => l);
  const remove = [...last].filter(([, c]) => c === "clear").map(([l]) => l);
  return { session: sessionKeyOf(e), add, remove };
}
