/**
 * The atoms of one event: which target it falls in and the truth of every atom on it, evaluated
 * with the runtime's own evaluator on the call as the enforcer resolves it (marked paths and URLs
 * canonical, an ambiguous path noted, a command line split into its simple commands, the command
 * lines of an MCP tool's `command` arguments as further parts), so that an analysis starts from
 * exactly the facts the enforcement point saw. Session atoms are read from the given session
 * state, or from an empty history.
 */
import type { Bundle, SessionEvent } from "../../runtime/types.js";
import { callTypeOf, commandArgs, eventProblem, mcpInfo, resolveCommands, withArgs, type ResolvedCall } from "../../runtime/event.js";
import { canonicalCall, pathContextOf } from "../../runtime/enforcer.js";
import { evaluate, type EvalContext } from "../../runtime/evaluate.js";
import { compileDetectors } from "../../runtime/detectors.js";
import { reviewOf } from "../../runtime/static-eval.js";
import type { StateSnapshot } from "../../runtime/store.js";
import type { ShellParser } from "../../runtime/argv.js";
import { loadedShellParser } from "../shell/shell-parser.js";
import type { AtomExpr, AtomTable } from "./atoms.js";
import { targetOfCall, type TargetKey } from "./targets.js";

const EMPTY: StateSnapshot = { labels: [], called: [], revision: "", lastTs: null, resourceSeen: false, spend: {} };

/** One part of a call as the policies see it: its target and evaluation context. */
export interface PartFacts {
  readonly target: TargetKey;
  readonly ctx: EvalContext;
  readonly event: SessionEvent;
  /** A marked path argument has no canonical form: the runtime blocks before any policy. */
  readonly ambiguous: boolean;
}

/**
 * An event's facts: its main part (the MCP call, or a command line's first command) and every
 * part the runtime decides on its own (the strictest wins), the main part first. One part for a
 * plain call; the analyses' regions decide such a call exactly.
 */
export interface EventFacts extends PartFacts {
  readonly parts: readonly PartFacts[];
}

type Base = Omit<EvalContext, "call">;

function baseContext(b: Bundle, e: SessionEvent, state: StateSnapshot | undefined): Base {
  const parsed = e.ts ? Date.parse(e.ts) : NaN;
  const now = state?.ts ?? (Number.isFinite(parsed) ? parsed : Date.now());
  return { bundle: b, agentName: e.agent?.name, review: reviewOf(e.agent, b.agent_reviews), user: e.user, detectors: compileDetectors(b.detectors), now, state: state ?? EMPTY, tenant: e.tenant, paths: pathContextOf(e.call) };
}

function part(b: Bundle, e: SessionEvent, base: Base, call: ResolvedCall, extra: Partial<EvalContext>, ambiguous = false): PartFacts {
  return { target: targetOfCall(b, call), ctx: { ...base, call, ...extra }, event: e, ambiguous };
}

/** The parts of a valid `tool_call_request` or `agent_discovered` event, as the enforcer resolves them. */
export function eventFacts(b: Bundle, e: SessionEvent, state?: StateSnapshot, shell: ShellParser | undefined = loadedShellParser()): EventFacts {
  const base = baseContext(b, e, state);
  const ec = e.type === "tool_call_request" ? e.call : undefined;
  if (!ec) {
    const only: PartFacts = { target: "discovered", ctx: { ...base, call: undefined }, event: e, ambiguous: false };
    return { ...only, parts: [only] };
  }
  const changed = (ec.definition_changed?.length ?? 0) > 0;
  if (callTypeOf(ec) === "mcp") {
    const strings: string[] = [];
    eventProblem(e, strings);
    const raw = withArgs(mcpInfo(b, ec.integration ?? "", ec.tool ?? ""), ec.args ?? {});
    const canon = canonicalCall(raw, ec);
    const main = part(b, e, base, typeof canon === "string" ? raw : canon, { toolChanged: changed, strings }, typeof canon === "string");
    if (typeof canon === "string" || !canon.argKinds) return { ...main, parts: [main] };
    const cmds = commandArgs(canon).flatMap((l) => resolveCommands(b, l, shell));
    return { ...main, parts: [main, ...cmds.map((x) => part(b, e, base, x, { toolChanged: false }))] };
  }
  const cmds = resolveCommands(b, ec.command ?? [], shell);
  const parts = cmds.map((x, n) => part(b, e, base, x, { toolChanged: changed && n === 0 }));
  return { ...parts[0]!, parts };
}

/** Whether an atom holds on a part of the event (a status atom: whether the policy is in `active`). */
export function atomOnEvent(x: AtomExpr, f: PartFacts, active: ReadonlySet<string>): boolean {
  if (x.k === "tenant") return f.event.tenant === x.tenant;
  if (x.k === "policy_active") return active.has(x.id);
  if (x.k === "ambiguous_path") return f.ambiguous;
  if (x.k === "definition_changed") return f.ctx.toolChanged === true;
  return evaluate(x, f.ctx);
}

/** The full assignment of the table's atoms on a part of the event. */
export function assignmentOf(atoms: AtomTable, f: PartFacts, active: ReadonlySet<string>): Int8Array {
  const a = new Int8Array(atoms.atoms.length);
  atoms.atoms.forEach((t, i) => { a[i] = atomOnEvent(t.x, f, active) ? 1 : 0; });
  return a;
}
