/**
 * `policy test`: runs the `test` blocks of a project against its bundle. Steps of one test run in
 * order through one session (one enforcer, one in-memory store), so session conditions can be
 * tested inline; `replay` runs recorded sessions, one enforcer per session, with `ts` as the clock.
 */
import { dirname, resolve } from "node:path";
import type * as A from "../../grammar/ast.js";
import type { Span } from "../../grammar/span.js";
import type { Bundle, Decision, SessionEvent } from "../../runtime/types.js";
import { createEnforcer, type Enforcer } from "../../runtime/index.js";
import type { CheckedProject } from "../model.js";
import { readSessionFile, type EventLine } from "../session/read.js";
import { explain, formatExplanation } from "../explain.js";
import { splitCommand } from "./split-command.js";

export interface Failure {
  readonly message: string;
  readonly span: Span;
  /** Event, decision and explain trace, for the report. */
  readonly detail?: string;
}

export interface ReplayedEvent {
  readonly file: string;
  readonly line: number;
  readonly event: SessionEvent;
  readonly decision: Decision;
}

export interface TestResult {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly passed: boolean;
  readonly failures: readonly Failure[];
  readonly durationMs: number;
  /** Every decision the test produced (inline calls and replays), in order. */
  readonly decisions: readonly ReplayedEvent[];
}

export interface TestReport {
  readonly results: readonly TestResult[];
  readonly passed: number;
  readonly failed: number;
  /** A replayed session file that could not be read (exit 2 in the CLI). */
  readonly unreadable: readonly { readonly path: string; readonly span: Span }[];
}

/** The clock a test starts at: Monday 2026-01-05 10:00 UTC. Each step advances one second. */
export const TEST_EPOCH = Date.parse("2026-01-05T10:00:00Z");

const EFFECTS: Record<string, Decision["effect"]> = { allow: "allow", block: "block", deny: "block", require_approval: "require_approval" };

interface Last {
  kind: "call" | "replay";
  decisions: ReplayedEvent[];
  span: Span;
}

function jsonOf(v: A.Value): unknown {
  switch (v.kind) {
    case "String": return v.value;
    case "Number": return v.value;
    case "Name": return v.value === "true" ? true : v.value === "false" ? false : v.value === "null" ? null : v.value;
    case "Duration": return v.raw;
    case "List": return v.items.map(jsonOf);
    case "Object": {
      const o: Record<string, unknown> = {};
      for (const e of v.entries) Object.defineProperty(o, e.key, { value: jsonOf(e.value), enumerable: true, writable: true, configurable: true });
      return o;
    }
  }
}

function refMatches(d: Decision, by: string): boolean {
  return !!d.policy && (d.policy.id === by || d.policy.name === by);
}

export function runTests(project: CheckedProject, bundle: Bundle, opts: { readonly cwd?: string; readonly only?: (name: string) => boolean } = {}): TestReport {
  const results: TestResult[] = [];
  const unreadable: { path: string; span: Span }[] = [];
  const policyRefs = new Set(project.policies.flatMap((p) => [p.id, p.name]));
  for (const { file, decl } of project.tests) {
    if (opts.only && !opts.only(decl.name.value)) continue;
    const t0 = performance.now();
    const r = runOne(project, bundle, file, decl, policyRefs, opts.cwd ?? process.cwd(), unreadable);
    results.push({ name: decl.name.value, file, line: decl.span.line, passed: r.failures.length === 0, failures: r.failures, durationMs: performance.now() - t0, decisions: r.decisions });
  }
  const passed = results.filter((r) => r.passed).length;
  return { results, passed, failed: results.length - passed, unreadable };
}

function runOne(project: CheckedProject, bundle: Bundle, file: string, decl: A.TestDecl, refs: Set<string>, cwd: string, unreadable: { path: string; span: Span }[]) {
  const failures: Failure[] = [];
  const all: ReplayedEvent[] = [];
  const enforcer = createEnforcer(bundle);
  let agent: { id?: string; name?: string; review_status?: string } = { id: "test-agent", name: "test-agent" };
  let tenant: string | undefined;
  let clock = TEST_EPOCH;
  let seq = 0;
  let last: Last | undefined;
  const session = `test:${decl.name.value}`;
  const fail = (span: Span, message: string, detail?: string) => failures.push(detail ? { message, span, detail } : { message, span });

  const decideOne = (s: A.TestStep, event: SessionEvent) => {
    const d = enforcer.decide(event);
    const rec = { file, line: s.span.line, event, decision: d };
    all.push(rec);
    last = { kind: "call", decisions: [rec], span: s.span };
  };
  const base = (): Omit<SessionEvent, "type"> => {
    seq++;
    const ts = new Date(clock).toISOString();
    clock += 1000;
    return { session_id: session, seq, ts, ...(tenant ? { tenant } : {}), agent: { ...agent } };
  };

  for (const s of decl.steps) {
    switch (s.kind) {
      case "Given":
        for (const p of s.pairs) {
          const v = p.value.kind === "String" || p.value.kind === "Name" ? p.value.value : undefined;
          switch (p.key.value) {
            case "agent": if (v !== undefined) agent = { ...agent, id: v, name: v }; break;
            case "agent_id": if (v !== undefined) agent = { ...agent, id: v }; break;
            case "review_status": if (v !== undefined) agent = { ...agent, review_status: v }; break;
            case "tenant": tenant = v; break;
            case "time": {
              const t = v === undefined ? NaN : Date.parse(v);
              if (Number.isNaN(t)) fail(p.value.span, `"${v ?? ""}" is not a date-time`, undefined);
              else clock = t;
              break;
            }
            default: fail(p.key.span, `unknown \`given\` key "${p.key.value}" (use agent, agent_id, review_status, tenant, time)`);
          }
        }
        break;
      case "Call": {
        const name = s.tool.value;
        const dot = name.indexOf(".");
        let integration: string;
        let tool: string;
        if (dot > 0) { integration = name.slice(0, dot); tool = name.slice(dot + 1); }
        else {
          const found = project.catalog.toolsNamed(name);
          if (found.length !== 1) {
            fail(s.tool.span, found.length ? `tool "${name}" is ambiguous here: ${found.map((t) => t.key).join(", ")} — qualify it` : `unknown tool "${name}": write integration.tool`);
            continue;
          }
          integration = found[0]!.integration;
          tool = found[0]!.name;
        }
        const args = s.args ? (jsonOf(s.args) as Record<string, unknown>) : {};
        decideOne(s, { type: "tool_call_request", ...base(), call: { id: `c${seq + 1}`, type: "mcp", integration, tool, args } });
        break;
      }
      case "Run": {
        const argv = splitCommand(s.command.value);
        if (!argv.length) { fail(s.command.span, "empty command"); continue; }
        decideOne(s, { type: "tool_call_request", ...base(), call: { id: `c${seq + 1}`, type: "cli", command: argv } });
        break;
      }
      case "Discover": {
        const review = s.pairs.find((p) => p.key.value === "review_status");
        const rs = review && (review.value.kind === "Name" || review.value.kind === "String") ? review.value.value : undefined;
        decideOne(s, { type: "agent_discovered", ...base(), agent: { id: s.agent.value, name: s.agent.value, ...(rs ? { review_status: rs } : {}) } });
        break;
      }
      case "Replay": {
        const path = resolve(cwd, dirname(file), s.path.value);
        let read;
        try {
          read = readSessionFile(path);
        } catch {
          unreadable.push({ path: s.path.value, span: s.path.span });
          fail(s.path.span, `cannot read session file "${s.path.value}"`);
          continue;
        }
        for (const b of read.bad) fail(s.path.span, `${s.path.value}:${b.line}: ${b.message}`);
        const decisions = replayEvents(bundle, read.events).map((x) => ({ file: s.path.value, line: x.line, event: x.event, decision: x.decision }));
        all.push(...decisions);
        last = { kind: "replay", decisions, span: s.span };
        break;
      }
      case "Expect":
        checkExpect(s, last, refs, bundle, fail);
        break;
    }
  }
  return { failures, decisions: all };
}

/** Replays events: one enforcer per session, in file order; responses are observed. */
export function replayEvents(bundle: Bundle, events: readonly EventLine[]): { line: number; event: SessionEvent; decision: Decision }[] {
  const enforcers = new Map<string, Enforcer>();
  const out: { line: number; event: SessionEvent; decision: Decision }[] = [];
  for (const { line, event } of events) {
    const key = `${event.tenant ?? ""}\u0000${event.session_id ?? ""}`;
    let e = enforcers.get(key);
    if (!e) { e = createEnforcer(bundle); enforcers.set(key, e); }
    if (event.type === "tool_call_request" || event.type === "agent_discovered") out.push({ line, event, decision: e.decide(event) });
    else e.observe(event);
  }
  return out;
}

function describe(r: ReplayedEvent, bundle: Bundle): string {
  const ev = JSON.stringify(r.event);
  return [`event (${r.file}:${r.line}): ${ev.length > 400 ? ev.slice(0, 400) + "…" : ev}`, formatExplanation(explain(bundle, r.event, undefined, r.decision))].join("\n");
}

function checkExpect(s: A.ExpectStep, last: Last | undefined, refs: Set<string>, bundle: Bundle, fail: (span: Span, m: string, d?: string) => void): void {
  const what = s.what.value;
  const by = s.by?.value;
  if (by !== undefined && !refs.has(by)) { fail(s.by!.span, `no policy has the id or name "${by}"`); return; }
  if (!last) { fail(s.span, "nothing to check yet: `expect` follows a call, run, discover or replay"); return; }
  const effect = EFFECTS[what];
  const checkDecision = (r: ReplayedEvent, label: string) => {
    if (effect) {
      if (r.decision.effect !== effect) { fail(s.span, `${label}: expected ${effect}${by ? ` by "${by}"` : ""}, got ${r.decision.effect}${r.decision.policy ? ` by "${r.decision.policy.id}"` : ""}`, describe(r, bundle)); return; }
      if (by !== undefined && !refMatches(r.decision, by)) fail(s.span, `${label}: expected ${effect} by "${by}", got ${effect} by ${r.decision.policy ? `"${r.decision.policy.id}"` : "the default"}`, describe(r, bundle));
      return;
    }
    if (what === "hidden") { if (!r.decision.hidden) fail(s.span, `${label}: expected the tool to be hidden`, describe(r, bundle)); return; }
    if (what === "sanitize") {
      const want = s.argument?.kind === "List" ? s.argument.items.map((i) => (i.kind === "Name" || i.kind === "String" ? i.value : "")) : [];
      const got = r.decision.sanitize.flatMap((x) => x.fields);
      if (!want.every((f) => got.includes(f)) || (want.length === 0 && got.length === 0)) fail(s.span, `${label}: expected sanitize of ${want.join(", ") || "some field"}, got ${got.join(", ") || "none"}`, describe(r, bundle));
    }
  };
  if (what === "alert") {
    const t = s.target;
    const pool = t?.kind === "event" ? last.decisions.filter((r) => r.event.seq === t.seq.value) : last.decisions;
    const alerts = pool.flatMap((r) => r.decision.alerts);
    const msg = s.argument?.kind === "String" ? s.argument.value : undefined;
    const hit = alerts.filter((a) => msg === undefined || a.message === msg || a.message.includes(msg));
    if (s.negated && hit.length) fail(s.span, `expected no alert${msg ? ` "${msg}"` : ""}, got ${hit.map((a) => `"${a.message}" (${a.policy})`).join(", ")}`, pool[0] ? describe(pool[0], bundle) : undefined);
    if (!s.negated && !hit.length) fail(s.span, `expected an alert${msg ? ` "${msg}"` : ""}, got ${alerts.length ? alerts.map((a) => `"${a.message}"`).join(", ") : "none"}`, pool[0] ? describe(pool[0], bundle) : undefined);
    return;
  }
  if (s.negated) { fail(s.span, `\`expect no ${what}\` is not supported: only \`expect no alert\``); return; }
  if (!effect && what !== "hidden" && what !== "sanitize") { fail(s.what.span, `unknown expectation "${what}" (use allow, block, require_approval, alert, sanitize, hidden)`); return; }
  if (s.target?.kind === "event") {
    const n = s.target.seq.value;
    const withSeq = last.decisions.filter((r) => r.event.seq === n);
    const r = withSeq[0] ?? (last.decisions.every((x) => x.event.seq === undefined) ? last.decisions[n - 1] : undefined);
    if (!r) { fail(s.target.seq.span, `no tool call with seq ${n} in the replayed session`); return; }
    checkDecision(r, `event ${n}`);
    return;
  }
  if (s.target?.kind === "calls") {
    const want = s.target.tool.value.toLowerCase();
    const calls = last.decisions.filter((r) => r.decision.tool?.toLowerCase() === want || r.decision.tool?.toLowerCase().endsWith("." + want));
    if (!calls.length) { fail(s.target.tool.span, `no call to ${s.target.tool.value} in the replayed session`); return; }
    for (const r of calls) checkDecision(r, `call to ${r.decision.tool} (${r.file}:${r.line})`);
    return;
  }
  const r = last.decisions[last.decisions.length - 1];
  if (!r) { fail(s.span, "the replay had no tool calls to check"); return; }
  if (last.kind === "replay" && last.decisions.length > 1) { for (const x of last.decisions) checkDecision(x, `${x.file}:${x.line}`); return; }
  checkDecision(r, `line ${r.line}`);
}
