/**
 * `policy test`: runs the `test` blocks of a project against its bundle. Steps of one test run in
 * order through one session (one enforcer, one in-memory store), so session conditions can be
 * tested inline; `replay` runs a recorded session file through one enforcer, with `ts` as the clock.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type * as A from "../grammar/ast.js";
import type { Span } from "../grammar/span.js";
import type { Bundle, Decision, SessionEvent, UserInfo } from "../runtime/types.js";
import { createEnforcer, type DecisionTrace, type Enforcer, type StateSnapshot } from "../runtime/index.js";
import type { CheckedProject } from "../compiler/model.js";
import { readSessionFile, type EventLine } from "./session/read.js";
import { Refusals } from "./session/refusals.js";
import { displayPath } from "../compiler/project.js";
import { loadedShellParser } from "../compiler/shell/shell-parser.js";
import { insideRoot } from "../compiler/inside-root.js";
import { splitCommand } from "../compiler/shell/split-command.js";
import { diffSnapshots, snapshotText } from "./snapshots.js";
import { checkExpect, type Last } from "./expect.js";
import { givenUser, USER_GIVEN_KEYS } from "./given-user.js";

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
  /**
   * The session state the decision was made with (`null`: the enforcer needed none), for the
   * explain trace of a failure and for coverage; absent when it was not recorded.
   */
  readonly state?: StateSnapshot | null;
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
  /** A replayed session file that could not be read (exit 2 in the CLI): the path as written. */
  readonly unreadable: readonly { readonly path: string; readonly span: Span }[];
  /** Snapshot files: written (with `snapshots: "update"`), compared, and sessions without one. */
  readonly snapshots?: SnapshotReport;
}

export interface SnapshotReport {
  readonly written: readonly string[];
  readonly checked: readonly string[];
  readonly missing: readonly string[];
}

export interface RunOptions {
  /** Session paths in `.policy` files are relative to the file, which is relative to this. */
  readonly cwd?: string;
  readonly only?: (name: string) => boolean;
  /** Only the tests of the files this accepts (`.policy` paths as the project shows them). */
  readonly onlyFile?: (file: string) => boolean;
  /**
   * `check` (default): compare the decisions of each replayed session with `<session>.snap` when
   * it exists; `update`: (re)write the snapshot files; `off`: ignore them.
   */
  readonly snapshots?: "check" | "update" | "off";
  /** The project root (default: `cwd`): replayed session files are read only from inside it. */
  readonly root?: string;
  /** Read replayed session files outside the root too (`--allow-outside`). */
  readonly allowOutside?: boolean;
}

/** The clock a test starts at: Monday 2026-01-05 10:00 UTC. Each step advances one second. */
export const TEST_EPOCH = Date.parse("2026-01-05T10:00:00Z");

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

/** Runs the tests of a project against its bundle. */
export function runTests(project: CheckedProject, bundle: Bundle, opts: RunOptions = {}): TestReport {
  const results: TestResult[] = [];
  const ctx: RunContext = {
    project, bundle, cwd: opts.cwd ?? process.cwd(), mode: opts.snapshots ?? "check",
    root: opts.allowOutside ? undefined : resolve(opts.cwd ?? process.cwd(), opts.root ?? "."),
    refs: new Set(project.policies.flatMap((p) => [p.id, p.name])),
    unreadable: [], snapshots: new Map(),
  };
  for (const { file, decl } of project.tests) {
    if (opts.only && !opts.only(decl.name.value)) continue;
    if (opts.onlyFile && !opts.onlyFile(file)) continue;
    const t0 = performance.now();
    const r = runOne(ctx, file, decl);
    results.push({ name: decl.name.value, file, line: decl.span.line, passed: r.failures.length === 0, failures: r.failures, durationMs: performance.now() - t0, decisions: r.decisions });
  }
  const passed = results.filter((r) => r.passed).length;
  const snap = { written: [] as string[], checked: [] as string[], missing: [] as string[] };
  for (const [abs, x] of ctx.snapshots) {
    if (x.state === "update") {
      const old = existsSync(abs) ? readFileSync(abs, "utf8") : undefined;
      if (old !== x.text) { writeFileSync(abs, x.text); snap.written.push(x.shown); }
    } else if (x.state === "missing") snap.missing.push(x.shown);
    else if (x.state === "checked") snap.checked.push(x.shown);
  }
  return { results, passed, failed: results.length - passed, unreadable: ctx.unreadable, snapshots: snap };
}

interface RunContext {
  readonly project: CheckedProject;
  readonly bundle: Bundle;
  readonly cwd: string;
  /** Replayed session files must lie under this folder; undefined: anywhere. */
  readonly root: string | undefined;
  readonly mode: "check" | "update" | "off";
  readonly refs: Set<string>;
  readonly unreadable: { path: string; span: Span }[];
  /** By absolute snapshot path: what happened to it, and its new text. */
  readonly snapshots: Map<string, { shown: string; text: string; state: "update" | "checked" | "missing" | "off"; diff?: ReturnType<typeof diffSnapshots> }>;
}

/** Compares (or records) the snapshot of one replayed session file; returns a failure text or undefined. */
function snapshotStep(ctx: RunContext, sessionAbs: string, shown: string, decisions: readonly ReplayedEvent[]): { message: string; detail: string } | undefined {
  if (ctx.mode === "off") return undefined;
  const abs = `${sessionAbs}.snap`;
  const shownSnap = `${shown}.snap`;
  let x = ctx.snapshots.get(abs);
  if (!x) {
    const text = snapshotText(decisions);
    if (ctx.mode === "update") x = { shown: shownSnap, text, state: "update" };
    else if (!existsSync(abs)) x = { shown: shownSnap, text, state: "missing" };
    else {
      let recorded: string;
      try { recorded = readFileSync(abs, "utf8"); } catch { recorded = ""; }
      x = { shown: shownSnap, text, state: "checked", diff: diffSnapshots(recorded, text) };
    }
    ctx.snapshots.set(abs, x);
  }
  const d = x.diff;
  if (!d || d.changed === 0) return undefined;
  return {
    message: `snapshot ${shownSnap}: ${d.changed} decision${d.changed === 1 ? "" : "s"} changed (run \`policy test --update-snapshots\` if intended)`,
    detail: ["- recorded", "+ now", ...d.lines].join("\n"),
  };
}

function runOne(ctx: RunContext, file: string, decl: A.TestDecl) {
  const { project, bundle, refs, cwd, unreadable } = ctx;
  const failures: Failure[] = [];
  const all: ReplayedEvent[] = [];
  let traced: DecisionTrace | undefined;
  const enforcer = createEnforcer(bundle, { trace: (t) => { traced = t; }, shell: loadedShellParser() });
  let agent: { id?: string; name?: string; review_status?: string } = { id: "test-agent", name: "test-agent" };
  let tenant: string | undefined;
  let user: UserInfo | undefined;
  /** `given root` / `given home`: the folders path arguments of later calls are read against. */
  let folders: { root?: string; home?: string } = {};
  let clock = TEST_EPOCH;
  let seq = 0;
  let last: Last | undefined;
  /** The last inline `call` / `run`: what `respond` answers. */
  let lastCall: SessionEvent | undefined;
  let session = `test:${decl.name.value}`;
  const fail = (span: Span, message: string, detail?: string) => failures.push(detail ? { message, span, detail } : { message, span });

  const decideOne = (s: A.TestStep, event: SessionEvent) => {
    traced = undefined;
    const d = enforcer.decide(event);
    const t = traced as DecisionTrace | undefined; // set by the trace hook during decide()
    const rec = { file, line: s.span.line, event, decision: d, state: t?.decision === d ? t.state ?? null : null };
    all.push(rec);
    last = { kind: "call", decisions: [rec], span: s.span };
    lastCall = event.type === "tool_call_request" ? event : lastCall;
  };
  const base = (): Omit<SessionEvent, "type"> => {
    seq++;
    const ts = new Date(clock).toISOString();
    clock += 1000;
    return { session_id: session, seq, ts, ...(tenant ? { tenant } : {}), agent: { ...agent }, ...(user ? { user } : {}) };
  };

  for (const s of decl.steps) {
    switch (s.kind) {
      case "Given":
        for (const p of s.pairs) {
          const v = p.value.kind === "String" || p.value.kind === "Name" ? p.value.value : undefined;
          if ((USER_GIVEN_KEYS as readonly string[]).includes(p.key.value)) { user = givenUser(user, p, fail); continue; }
          switch (p.key.value) {
            case "agent": if (v !== undefined) agent = { ...agent, id: v, name: v }; break;
            case "agent_id": if (v !== undefined) agent = { ...agent, id: v }; break;
            case "review_status": if (v !== undefined) agent = { ...agent, review_status: v }; break;
            case "tenant": tenant = v; break;
            case "root": case "home":
              if (v === undefined || !/^(?:[/\\]|[A-Za-z]:[/\\])/.test(v)) fail(p.value.span, `\`given ${p.key.value}\` needs an absolute path, e.g. "/srv/project"`);
              else folders = { ...folders, [p.key.value]: v };
              break;
            // A new session for the following steps (its history starts empty; agent-wide state stays).
            case "session": if (v !== undefined) session = v; break;
            case "time": {
              const t = v === undefined ? NaN : Date.parse(v);
              if (Number.isNaN(t)) fail(p.value.span, `"${v ?? ""}" is not a date-time`, undefined);
              else clock = t;
              break;
            }
            default: fail(p.key.span, `unknown \`given\` key "${p.key.value}" (use agent, agent_id, review_status, tenant, session, time, user, roles, groups, claims, manager, root, home)`);
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
        decideOne(s, { type: "tool_call_request", ...base(), call: { id: `c${seq + 1}`, type: "mcp", integration, tool, args, ...folders } });
        break;
      }
      case "Run": {
        // The line is a shell line: the enforcer splits it into simple commands (strictest wins).
        if (!s.command.value.trim()) { fail(s.command.span, "empty command"); continue; }
        decideOne(s, { type: "tool_call_request", ...base(), call: { id: `c${seq + 1}`, type: "cli", command: s.command.value } });
        break;
      }
      case "Discover": {
        const review = s.pairs.find((p) => p.key.value === "review_status");
        const rs = review && (review.value.kind === "Name" || review.value.kind === "String") ? review.value.value : undefined;
        decideOne(s, { type: "agent_discovered", ...base(), agent: { id: s.agent.value, name: s.agent.value, ...(rs ? { review_status: rs } : {}) } });
        break;
      }
      case "Respond": {
        if (!lastCall) { fail(s.span, "nothing to respond to: `respond` follows a `call` or `run`"); continue; }
        // The response to the last call: same session, agent and tenant, one second later.
        const { session_id, tenant: t, agent: a } = lastCall;
        seq++;
        const ts = new Date(clock).toISOString();
        clock += 1000;
        const event: SessionEvent = {
          type: "tool_call_response", session_id, seq, ts, ...(t !== undefined ? { tenant: t } : {}), ...(a ? { agent: { ...a } } : {}),
          ...(lastCall.call?.id !== undefined ? { call_id: lastCall.call.id } : {}),
          ...(s.result ? { result: jsonOf(s.result) as Record<string, unknown> } : {}),
          ...(s.cost ? { cost: { amount: s.cost.amount.value, currency: s.cost.currency.value } } : {}),
        };
        const r = enforcer.observe(event) as { ok: boolean; note?: string };
        if (!r.ok) fail(s.span, `the response was rejected: ${r.note ?? "unknown reason"}`);
        // The response is decided as the enforcement point decides it (joined to its request): an
        // `expect` after `respond` checks that decision (`expect withheld`, `expect sanitize [result]`).
        // The recorded form carries the request's call, so that explain and coverage see the tool it answers.
        const rec = { file, line: s.span.line, event: { ...event, call: lastCall.call! }, decision: enforcer.decideResponse(event, lastCall), state: null };
        all.push(rec);
        last = { kind: "call", decisions: [rec], span: s.span };
        break;
      }
      case "Message": {
        // A message between the agent and its user, decided by the `when message_…` policies.
        const event: SessionEvent = { type: s.direction === "to_user" ? "message_to_user" : "message_from_user", ...base(), text: s.text.value };
        const rec = { file, line: s.span.line, event, decision: enforcer.decideResponse(event), state: null };
        all.push(rec);
        last = { kind: "call", decisions: [rec], span: s.span };
        break;
      }
      case "Replay": {
        const path = resolve(cwd, dirname(file), s.path.value);
        if (ctx.root !== undefined && !insideRoot(path, ctx.root)) {
          fail(s.path.span, `session file "${s.path.value}" is outside the project root "${displayPath(ctx.root, cwd) || "."}": not read (keep session files in the project, or pass --allow-outside)`);
          last = { kind: "replay", decisions: [], span: s.span, broken: true };
          continue;
        }
        let read;
        try {
          read = readSessionFile(path);
        } catch (e) {
          const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as NodeJS.ErrnoException).code ?? (e as Error).message;
          const shown = displayPath(path, cwd);
          unreadable.push({ path: s.path.value, span: s.path.span });
          fail(s.path.span, `cannot read session file "${s.path.value}"${shown === s.path.value ? "" : ` (${shown})`}: ${why}`);
          last = { kind: "replay", decisions: [], span: s.span, broken: true };
          continue;
        }
        const shown = displayPath(path, cwd);
        for (const b of read.bad) fail(s.path.span, `${shown}:${b.line}: ${b.message}`);
        if (read.bad.length) { last = { kind: "replay", decisions: [], span: s.span, broken: true }; continue; }
        const decisions = replayEvents(bundle, read.events).map((x) => ({ file: shown, line: x.line, event: x.event, decision: x.decision, state: x.state }));
        all.push(...decisions);
        const snap = snapshotStep(ctx, path, shown, decisions);
        if (snap) fail(s.path.span, snap.message, snap.detail);
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

/**
 * Replays the events of one file through one enforcer, in file order; responses are observed.
 * Each decision comes with the session state it was made with (`null` when none was needed).
 */
export function replayEvents(bundle: Bundle, events: readonly EventLine[]): { line: number; event: SessionEvent; decision: Decision; state: StateSnapshot | null }[] {
  // One enforcer for the file, as at the enforcement point: sessions keep their own history, and
  // agent-wide state (rate, spend, resources) spans the sessions of the file.
  let traced: DecisionTrace | undefined;
  const e = createEnforcer(bundle, { trace: (t) => { traced = t; }, shell: loadedShellParser() });
  const out: { line: number; event: SessionEvent; decision: Decision; state: StateSnapshot | null }[] = [];
  const refusals = new Refusals();
  for (const { line, event } of events) {
    if (event.type === "tool_call_request" || event.type === "agent_discovered") {
      traced = undefined;
      const raw = e.decide(event);
      const decision = refusals.apply(event, raw);
      const t = traced as DecisionTrace | undefined; // set by the trace hook during decide()
      out.push({ line, event, decision, state: t?.decision === raw ? t.state ?? null : null });
    } else {
      void e.observe(event);
      // A message from the user changes the session where a policy says so (`mark`, `clear`), as live.
      if (event.type === "message_from_user") e.decideResponse(event);
    }
  }
  return out;
}
