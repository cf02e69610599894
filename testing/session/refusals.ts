/**
 * Sessions whose agent was refused: at the enforcement point a `block` of `agent_discovered`
 * refuses every later call of the session with that reason (docs/enforce.md). Replays apply the
 * same rule, so that replaying a proxy's recording gives the decisions the proxy made.
 */
import type { Decision, SessionEvent } from "../../runtime/types.js";

export class Refusals {
  /** Session key (tenant, session id) → the reason its agent was refused. */
  private readonly refused = new Map<string, string>();

  /** The decision as the enforcement point makes it: a refused session's calls are blocked. */
  apply(ev: SessionEvent, d: Decision): Decision {
    const key = `${ev.tenant ?? ""}\u0000${ev.session_id ?? ""}`;
    if (ev.type === "agent_discovered") {
      if (d.effect === "block") this.refused.set(key, d.reason);
      else this.refused.delete(key);
      return d;
    }
    if (!this.refused.size || d.effect === "block") return d;
    const reason = this.refused.get(key);
    return reason === undefined ? d : { ...d, effect: "block", reason };
  }
}
