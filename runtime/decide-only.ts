/**
 * The decide-only entry, `import { createEnforcer } from "<package>/runtime/decide-only"`: the
 * decisions of `tool_call_request` and `agent_discovered` events for bundles that need nothing but
 * the call and its event, at a fraction of the full runtime's size (docs/runtime.md). It is the
 * same decision code as the full runtime (runtime/fast.ts, runtime/conditions.ts); what it leaves
 * out is what such bundles never reach: session state and its store, `observe`, responses and
 * messages, command lines, revision pins.
 * A bundle that needs more (a session condition, `time`, `command starts with`, a response or
 * message policy) is refused when it loads, with the reason and the entry to use instead: every
 * decision of that enforcer is then `block` with that reason. A command-line call (or an MCP call
 * carrying command lines in arguments its catalog marks `command`) is blocked with the same kind of
 * reason. Never a decision the full runtime would not make, other than such a `block`.
 * INVARIANT: nothing here throws into the caller; any fault is a `block` with a reason.
 */
import type { Bundle, CExpr, Decision, SessionEvent } from "./types.js";
import { loadBundle } from "./bundle-check.js";
import { callTypeOf, commandArgs, eventProblem, mcpInfo, withArgs, type ResolvedCall } from "./event.js";
import { CALL_KINDS, type EvalContext } from "./conditions.js";
import { decideBucket } from "./fast.js";
import { compileDetectors, type Detector } from "./detectors.js";
import { reviewOf } from "./static-eval.js";
import { canonicalCall, entriesOf, pathContextOf } from "./lookup.js";

export type { Bundle, Decision, SessionEvent } from "./types.js";

const FULL = "policy-toolchain/runtime";
const TRIGGERS = ["tool_call", "agent_discovered"];
/** Command lines are split and matched by the full runtime only (runtime/argv.ts). */
const CLI = `command lines are decided by the full runtime (${FULL}), not the decide-only entry`;

/** The first condition kind of `e` the decide-only entry cannot decide. */
function otherKind(e: CExpr): string | undefined {
  if (e.k === "and" || e.k === "or") { for (const x of e.items) { const k = otherKind(x); if (k) return k; } return undefined; }
  if (e.k === "not") return otherKind(e.x);
  return CALL_KINDS.has(e.k) ? undefined : e.k;
}

/**
 * Why a (checked) bundle needs the full runtime (`<package>/runtime`), naming the policy or
 * catalog entry; undefined when the decide-only entry decides it exactly as the full one.
 */
export function needsFullRuntime(b: Bundle): string | undefined {
  for (const p of b.policies) {
    const at = `policy "${p.id}" (${p.file}:${p.line})`;
    if (!TRIGGERS.includes(p.trigger)) return `${at} is a \`when ${p.trigger}\` policy`;
    for (const i of p.ifs) { const k = otherKind(i.expr); if (k) return `${at} has \`${i.text}\` (a ${k} condition)`; }
  }
  return undefined;
}

export interface DecideOnlyOptions {
  /** The clock for events without a `ts` (ms since the epoch). */
  readonly now?: () => number;
}

/** Decides `tool_call_request` and `agent_discovered` events with one stateless bundle. */
export class DecideOnlyEnforcer {
  /** Why the bundle was refused (every decision is then `block` with it); undefined when it loaded. */
  readonly problem: string | undefined;
  readonly revision: string;
  private readonly bundle: Bundle | undefined;
  private readonly detectors: readonly Detector[] = [];
  private readonly now: () => number;

  constructor(bundle: unknown, opts: DecideOnlyOptions = {}) {
    this.now = opts.now ?? Date.now;
    let problem: string | undefined;
    let b: Bundle | undefined;
    try {
      const r = loadBundle(bundle);
      if ("problem" in r) problem = r.problem;
      else {
        const full = needsFullRuntime(r.bundle);
        if (full) problem = `this bundle needs the full runtime (import { createEnforcer } from "${FULL}"): ${full}`;
        else { this.detectors = compileDetectors(r.bundle.detectors); b = r.bundle; }
      }
    } catch (e) {
      problem = (e as Error)?.message ?? String(e);
    }
    this.problem = problem === undefined ? undefined : `bundle rejected: ${problem}`;
    this.bundle = problem === undefined ? b : undefined;
    this.revision = this.bundle?.revision ?? "";
  }

  /** Decides a `tool_call_request` or `agent_discovered` event (SPEC §5); never throws. */
  decide(event: unknown): Decision {
    try {
      const b = this.bundle;
      if (!b) return this.block(this.problem ?? "no bundle loaded");
      const strings: string[] = [];
      const problem = eventProblem(event, strings);
      if (problem) return this.block(`invalid event: ${problem}`);
      const e = event as SessionEvent;
      if (e.type !== "tool_call_request" && e.type !== "agent_discovered") return this.block(`decide() takes tool_call_request and agent_discovered events, not ${e.type}`);
      const now = e.ts === undefined ? this.now() : NaN;
      if (e.ts === undefined && !Number.isFinite(now)) return this.block(`no usable time: the event has no ts and the clock gave ${String(now)}`);
      let call: ResolvedCall | undefined;
      if (e.type === "tool_call_request") {
        const ec = e.call!;
        if (callTypeOf(ec) !== "mcp") return this.block(`${CLI}: this is a command-line call`);
        const info = mcpInfo(b, ec.integration!, ec.tool!);
        const raw = withArgs(info, ec.args ?? {});
        const c = canonicalCall(raw, ec);
        if (typeof c === "string") return { ...this.block(c), tool: raw.tool, operation: raw.operation };
        if (commandArgs(c).length) return { ...this.block(`${CLI}: this call carries command lines in its arguments`), tool: c.tool, operation: c.operation };
        call = c;
      }
      const ctx: EvalContext = {
        bundle: b, call, agentName: e.agent?.name, review: reviewOf(e.agent, b.agent_reviews), toolChanged: (e.call?.definition_changed?.length ?? 0) > 0,
        user: e.user, detectors: this.detectors, now, state: undefined, strings: call ? strings : undefined, tenant: e.tenant, paths: pathContextOf(e.call),
      };
      return decideBucket(b, entriesOf(b, call), ctx, e);
    } catch (err) {
      return this.block(`internal error: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  private block(reason: string): Decision {
    return { effect: "block", policy: null, reason, matched: [], alerts: [], sanitize: [], approvers: [], hidden: false, revision: this.revision };
  }
}

/**
 * Creates a decide-only enforcer for a parsed bundle. A bundle that cannot be loaded, or that needs
 * the full runtime, makes every decision `block` with the reason (also in `problem`).
 */
export function createEnforcer(bundle: unknown, opts: DecideOnlyOptions = {}): DecideOnlyEnforcer {
  return new DecideOnlyEnforcer(bundle, opts);
}
