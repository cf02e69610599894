/**
 * Seeded, deterministic benchmark workload: a synthetic catalog (15 integrations × 20 tools, two of
 * them CLI integrations), 20 agents, 40 tenants, policy sets of any size written as `.policy`
 * source text, and a stream of `tool_call_request` events.
 *
 * Policy mix. Real policy sets grow by adding *specific* rules (per tool, per agent, per tenant,
 * per resource), not by adding more "block every write on GitHub" rules: so a set of n policies
 * holds a fixed starter set (one of every condition kind), about 2·√n *broad* policies
 * (integration-wide: operation, tool globs, review status, call type, body contains, data_class,
 * integration-wide argument rules) and the rest *specific* policies (one tool or a handful of
 * tools, with agent / tenant / argument conditions). Every static condition kind of the language
 * appears: integration, tool (dotted, bare, lists), tool glob, operation, agent, agent.review_status,
 * call_type, args equality / in / not / glob / contains / numeric, body contains any/all, data_class;
 * scopes platform / tenant / agent; priorities with ties; allow, block, require_approval, hide and
 * obligation-only (alert) policies.
 */

// ─── seeded random ────────────────────────────────────────────────────────────────────
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0 || 1; }
  /** mulberry32 */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]!; }
  chance(p: number): boolean { return this.next() < p; }
  /** Zipf-like rank in [0, n): rank r with weight 1/(r+1)^s. */
  zipf(cdf: readonly number[]): number {
    const x = this.next() * cdf[cdf.length - 1]!;
    let lo = 0, hi = cdf.length - 1;
    while (lo < hi) { const m = (lo + hi) >> 1; if (cdf[m]! < x) lo = m + 1; else hi = m; }
    return lo;
  }
  sample<T>(a: readonly T[], k: number): T[] {
    const c = [...a];
    const out: T[] = [];
    while (out.length < k && c.length) out.push(c.splice(this.int(c.length), 1)[0]!);
    return out;
  }
}

function zipfCdf(n: number, s: number): number[] {
  const out: number[] = [];
  let acc = 0;
  for (let r = 0; r < n; r++) out.push((acc += 1 / Math.pow(r + 1, s)));
  return out;
}

// ─── catalog ──────────────────────────────────────────────────────────────────────────
export interface WTool { readonly integration: string; readonly name: string; readonly key: string; readonly verb: string; readonly noun: string; readonly operation: "Read" | "Write" | "Delete" }
export interface WIntegration { readonly id: string; readonly callType: "mcp" | "cli"; readonly prog?: string; readonly tools: WTool[] }

const INTEGRATIONS: readonly [string, "mcp" | "cli", string[], string?][] = [
  ["crm", "mcp", ["contact", "deal", "account", "note"]],
  ["tickets", "mcp", ["issue", "comment", "sprint", "board"]],
  ["wiki", "mcp", ["page", "space", "attachment", "template"]],
  ["chat", "mcp", ["message", "channel", "reaction", "file"]],
  ["mail", "mcp", ["email", "draft", "label", "filter"]],
  ["drive", "mcp", ["file", "folder", "permission", "revision"]],
  ["ci", "mcp", ["pipeline", "job", "artifact", "variable"]],
  ["cloud", "mcp", ["instance", "bucket", "role", "policy"]],
  ["billing", "mcp", ["invoice", "customer", "refund", "plan"]],
  ["hr", "mcp", ["employee", "salary", "review", "leave"]],
  ["calendar", "mcp", ["event", "invite", "room", "reminder"]],
  ["monitor", "mcp", ["monitor", "dashboard", "incident", "metric"]],
  ["repo", "mcp", ["branch", "pull_request", "release", "webhook"]],
  ["kube", "cli", ["pod", "deployment", "secret", "service"], "kubectl"],
  ["infra", "cli", ["stack", "module", "state", "workspace"], "terraform"],
];
const VERBS: readonly [string, "Read" | "Write" | "Delete", string][] = [
  ["list", "Read", "GET"], ["get", "Read", "GET"], ["create", "Write", "POST"], ["update", "Write", "PATCH"], ["delete", "Delete", "DELETE"],
];
const LABELS_BY_INTEGRATION: Record<string, string[]> = {
  mail: ["external_communication", "private_data"], chat: ["external_communication"], crm: ["private_data"], hr: ["private_data"],
  drive: ["private_data"], wiki: ["untrusted_content"], tickets: ["untrusted_content"],
};

export const AGENTS: readonly { readonly name: string; readonly review: "Approved" | "Unreviewed" | "Disallowed" }[] = [
  "Cursor", "Claude Code", "Copilot", "Windsurf", "Devin", "Codex", "Aider", "Cline", "Continue", "Tabnine",
  "SupportBot", "SalesBot", "OpsBot", "HRBot", "FinanceBot", "TriageBot", "ReleaseBot", "DataBot", "Intern Agent", "Shadow Agent",
].map((name, i) => ({ name, review: i === 19 ? "Disallowed" as const : i >= 15 ? "Unreviewed" as const : "Approved" as const }));
export const TENANTS: readonly string[] = Array.from({ length: 40 }, (_, i) => `t${String(i).padStart(2, "0")}`);
export const PROJECTS: readonly string[] = Array.from({ length: 200 }, (_, i) => `team-${i % 10}/svc-${Math.floor(i / 10)}`);
export const TAGS: readonly string[] = ["prod", "staging", "dev", "pci", "gdpr", "oncall", "legacy", "public"];
export const VISIBILITY: readonly string[] = ["public", "private", "internal"];
export const BODY_WORDS: readonly string[] = ["deal #", "merger", "salary", "acquisition", "layoff", "board meeting", "password reset"];

export function makeIntegrations(): WIntegration[] {
  return INTEGRATIONS.map(([id, callType, nouns, prog]) => ({
    id, callType, ...(prog ? { prog } : {}),
    tools: nouns.flatMap((noun) => VERBS.map(([verb, operation]) => ({ integration: id, name: `${verb}_${noun}`, key: `${id}.${verb}_${noun}`, verb, noun, operation }))),
  }));
}

const ARGS_SCHEMA = {
  type: "object",
  properties: {
    project: { type: "string" }, id: { type: "string" }, limit: { type: "integer" }, text: { type: "string" },
    visibility: { type: "string", enum: VISIBILITY }, tags: { type: "array", items: { type: "string" } },
  },
};
/** Argument kinds, for the Cedar translation (`contains` on an array is membership). */
export const ARRAY_ARGS: ReadonlySet<string> = new Set(["tags"]);

/** The `policy-catalog/1` document. */
export function catalogJson(integrations: readonly WIntegration[]): unknown {
  return {
    format: "policy-catalog/1",
    integrations: integrations.map((ig) => ({
      id: ig.id, name: ig.id.toUpperCase(), call_type: ig.callType,
      tools: ig.tools.map((t) => ({
        name: t.name, description: `${t.verb} ${t.noun}`, operation: t.operation, category: t.noun,
        method: VERBS.find((v) => v[0] === t.verb)![2], verbs: [t.verb],
        labels: LABELS_BY_INTEGRATION[ig.id] ?? [], resource: "project", args: ARGS_SCHEMA,
      })),
      ...(ig.prog ? { commands: ig.tools.map((t) => ({ pattern: [ig.prog!, t.verb, t.noun, "**"], tool: t.name })) } : {}),
    })),
  };
}

// ─── policies ─────────────────────────────────────────────────────────────────────────
export interface WPolicy { readonly id: string; readonly text: string; readonly kind: string; readonly rule: NeutralRule }

/**
 * The neutral description of a policy (what any engine can be built from, besides the `.policy`
 * text): scope, priority, the effect (null for obligation-only), and the `if` lines (all must hold)
 * in the workload's condition vocabulary.
 */
export interface NeutralRule {
  readonly id: string;
  readonly scope?: { readonly tenant?: string; readonly agent?: string };
  readonly priority: number;
  readonly effect: "allow" | "block" | "require_approval" | "hide" | null;
  readonly ifs: readonly string[];
}

function neutralScope(scope: string | undefined): NeutralRule["scope"] {
  if (!scope) return undefined;
  const [kind, ...rest] = scope.split(" ");
  const v = JSON.parse(rest.join(" ")) as string;
  return kind === "tenant" ? { tenant: v } : { agent: v };
}

function neutralEffect(action: string): NeutralRule["effect"] {
  const w = action.split(/[\s,]/)[0]!;
  return w === "allow" || w === "block" || w === "require_approval" || w === "hide" ? w : null;
}

const PRIORITIES = [1, 5, 10, 20, 50, 100, 100, 100, 100, 200, 500];
const q = (s: string) => JSON.stringify(s);
const list = (xs: readonly string[]) => `[${xs.join(", ")}]`;
const qlist = (xs: readonly string[]) => `[${xs.map(q).join(", ")}]`;

interface Draft { kind: string; scope?: string; ifs: string[]; action: string; priority?: number }

export function makePolicies(n: number, seed: number, integrations: readonly WIntegration[]): WPolicy[] {
  const rng = new Rng(seed * 7919 + n);
  const tools = integrations.flatMap((i) => i.tools);
  const mcp = integrations.filter((i) => i.callType === "mcp");
  const toolsOf = (ig: WIntegration) => ig.tools;
  const agent = () => rng.pick(AGENTS).name;
  const project = () => rng.pick(PROJECTS);
  const effect = (w: { allow?: number; block?: number; approval?: number; hide?: number; alert?: number }): string => {
    const entries = Object.entries(w) as [string, number][];
    let x = rng.next() * entries.reduce((a, [, v]) => a + v, 0);
    for (const [k, v] of entries) {
      if ((x -= v) < 0) {
        switch (k) {
          case "allow": return "allow";
          case "block": return `block ${q("blocked by the bench policy set")}`;
          case "approval": return rng.chance(0.3) ? `require_approval ${q("needs a human")} from [manager]` : "require_approval";
          case "hide": return "hide";
          default: return `alert ${q("bench alert")} to "#sec"`;
        }
      }
    }
    return "allow";
  };

  const starter: Draft[] = [
    { kind: "integration+operation", ifs: ["integration is crm", "operation in [Write, Delete]"], action: "require_approval \"CRM changes need approval\"", priority: 100 },
    { kind: "tool-glob", ifs: ["integration is repo", "tool matches \"delete_*\""], action: "block \"no deletions in repo\"", priority: 50 },
    { kind: "review-status", ifs: ["agent.review_status is Unreviewed", "operation is Write"], action: "require_approval \"unreviewed agent\" from [technician]", priority: 100 },
    { kind: "call-type", ifs: ["call_type is cli", "operation is Delete"], action: "block \"no destructive CLI commands\"", priority: 10 },
    { kind: "body", ifs: ["integration in [mail, chat]", "body contains any [\"deal #\", \"merger\"]"], action: "block \"confidential deal talk\", alert \"deal leak attempt\" to \"#sec\"", priority: 20 },
    { kind: "data-class", ifs: ["data_class has SECRETS"], action: "block \"secrets in arguments\"", priority: 1 },
    { kind: "tool+agent", ifs: ["tool is tickets.create_issue", "agent is \"TriageBot\""], action: "allow", priority: 10 },
    { kind: "tool+arg-eq", ifs: ["tool is cloud.delete_bucket", "args.project is \"team-0/svc-0\""], action: "block \"protected bucket\"", priority: 5 },
    { kind: "tool+arg-glob+numeric", ifs: ["tool is drive.list_file", "args.project matches \"team-1/*\"", "args.limit > 500"], action: "require_approval \"bulk export\"", priority: 50 },
    { kind: "tenant+tools+arg-contains", scope: "tenant \"t01\"", ifs: ["tool in [billing.create_refund, billing.update_invoice]", "args.tags contains \"pci\""], action: "require_approval from [manager]", priority: 20 },
    { kind: "disallowed-agent", ifs: ["agent.review_status is Disallowed"], action: "block \"agent is disallowed\"", priority: 1 },
    { kind: "body-all+data-class", ifs: ["integration is hr", "body contains all [\"salary\", \"password reset\"] or data_class in [PII, INTERNAL]"], action: "block \"HR data\"", priority: 20 },
  ];

  const broadTemplates: (() => Draft)[] = [
    () => { const ig = rng.pick(integrations); return { kind: "integration+operation", ifs: [`integration is ${ig.id}`, rng.chance(0.5) ? "operation in [Write, Delete]" : "operation is Delete"], action: effect({ block: 0.3, approval: 2, alert: 1 }) }; },
    () => { const ig = rng.pick(integrations); const v = rng.pick(["delete", "update", "create"]); return { kind: "tool-glob", ifs: [`integration is ${ig.id}`, `tool matches "${v}_*"`], action: effect({ block: 0.3, approval: 2, alert: 1 }) }; },
    () => { const ig = rng.pick(integrations); return { kind: "review-status", ifs: [`integration is ${ig.id}`, `agent.review_status is ${rng.pick(["Unreviewed", "Disallowed"])}`], action: effect({ block: 1, approval: 2, alert: 1 }) }; },
    () => { const ig = rng.pick(integrations.filter((i) => i.callType === "cli")); return { kind: "call-type", ifs: [`integration is ${ig.id}`, "call_type is cli", `operation is ${rng.pick(["Write", "Delete"])}`], action: effect({ block: 0.5, approval: 2 }) }; },
    () => { const igs = rng.sample(mcp, 2); return { kind: "body", ifs: [`integration in ${list(igs.map((i) => i.id))}`, `body contains any ${qlist(rng.sample(BODY_WORDS, 2))}`], action: effect({ block: 2, alert: 1 }) }; },
    () => { const ig = rng.pick(mcp); return { kind: "data-class", ifs: [`integration is ${ig.id}`, `data_class ${rng.chance(0.5) ? "has SECRETS" : "in [PII, SECRETS]"}`], action: effect({ block: 2, approval: 1 }) }; },
    () => { const ig = rng.pick(mcp); return { kind: "integration+arg", ifs: [`integration is ${ig.id}`, `args.project is ${q(project())}`], action: effect({ block: 1, allow: 2 }) }; },
    () => { const ig = rng.pick(mcp); return { kind: "integration+agent", ifs: [`integration is ${ig.id}`, `agent in ${qlist(rng.sample(AGENTS.map((a) => a.name), 2))}`], action: effect({ allow: 3, block: 0.3, approval: 1 }) }; },
  ];

  const specificTemplates: [number, () => Draft][] = [
    [3, () => { const t = rng.pick(tools); return { kind: "tool+agent", ifs: [`tool is ${t.key}`, `agent is ${q(agent())}`], action: effect({ allow: 3, block: 0.5, approval: 1 }) }; }],
    [2, () => { const t = rng.pick(tools); return { kind: "agent-scope+tool", scope: `agent ${q(agent())}`, ifs: [`tool is ${t.key}`], action: effect({ allow: 2, block: 0.5, approval: 1, hide: 0.1 }) }; }],
    [2, () => { const ig = rng.pick(integrations); const ts = rng.sample(toolsOf(ig), 2); return { kind: "tenant-scope+tools", scope: `tenant ${q(rng.pick(TENANTS))}`, ifs: [`tool in ${list(ts.map((t) => t.key))}`], action: effect({ approval: 2, block: 0.3, allow: 2 }) }; }],
    [3, () => { const ig = rng.pick(mcp); const t = rng.pick(toolsOf(ig)); return { kind: "tool+arg-eq", ifs: [`integration is ${ig.id}`, `tool is ${t.name}`, `args.project is ${q(project())}`], action: effect({ block: 2, allow: 1, approval: 1 }) }; }],
    [2, () => { const t = rng.pick(mcp.flatMap(toolsOf)); return { kind: "tool+arg-glob", ifs: [`tool is ${t.key}`, `args.project matches "team-${rng.int(10)}/*"`], action: effect({ allow: 2, approval: 1 }) }; }],
    [2, () => { const t = rng.pick(mcp.flatMap(toolsOf)); return { kind: "tool+numeric", ifs: [`tool is ${t.key}`, `args.limit ${rng.pick([">", ">="])} ${rng.pick([200, 500, 900])}`], action: effect({ approval: 2, block: 0.5, alert: 0.5 }) }; }],
    [2, () => { const t = rng.pick(mcp.flatMap(toolsOf)); return { kind: "tool+arg-in", ifs: [`tool is ${t.key}`, rng.chance(0.8) ? `args.visibility in [${rng.pick(VISIBILITY)}]` : `args.visibility is not ${rng.pick(VISIBILITY)}`], action: effect({ block: 0.3, approval: 1, allow: 2 }) }; }],
    [1, () => { const t = rng.pick(mcp.flatMap(toolsOf)); return { kind: "tool+arg-contains", ifs: [`tool is ${t.key}`, `args.tags contains ${q(rng.pick(TAGS))}`], action: effect({ approval: 2, block: 0.5, allow: 1 }) }; }],
    [1, () => { const t = rng.pick(mcp.flatMap(toolsOf)); return { kind: "tool+or", ifs: [`tool is ${t.key}`, `args.project is ${q(project())} or args.id is ${q(`ID-${rng.int(1000)}`)}`], action: effect({ block: 2, alert: 1 }) }; }],
    [1, () => { const t = rng.pick(tools); const a = rng.sample(AGENTS.map((x) => x.name), 3); return { kind: "tool+agents+review", ifs: [`tool is ${t.key}`, `agent in ${qlist(a)}`, "agent.review_status is Approved"], action: effect({ allow: 3, approval: 1 }) }; }],
    [1, () => { const t = rng.pick(mcp.flatMap(toolsOf)); return { kind: "tool+not", ifs: [`tool is ${t.key}`, `not (args.visibility is internal or args.tags contains "dev")`, `agent is ${q(agent())}`], action: effect({ approval: 1, block: 0.5, allow: 1 }) }; }],
  ];
  const totalW = specificTemplates.reduce((a, [w]) => a + w, 0);
  const specific = (): Draft => {
    let x = rng.next() * totalW;
    for (const [w, f] of specificTemplates) if ((x -= w) < 0) return f();
    return specificTemplates[0]![1]();
  };

  const drafts: Draft[] = starter.slice(0, Math.min(n, starter.length));
  const nBroad = n <= starter.length ? 0 : Math.min(n - drafts.length, Math.round(2 * Math.sqrt(n)));
  for (let i = 0; i < nBroad; i++) drafts.push(rng.pick(broadTemplates)());
  while (drafts.length < n) drafts.push(specific());

  return drafts.map((d, i) => {
    const id = `p${String(i).padStart(5, "0")}`;
    const pr = d.priority ?? rng.pick(PRIORITIES);
    const lines = [
      `policy "${id} ${d.kind}" {`,
      `  id ${id}`,
      ...(d.scope ? [`  scope ${d.scope}`] : []),
      `  priority ${pr}`,
      ...d.ifs.map((x) => `  if ${x}`),
      `  action ${d.action}`,
      "}",
    ];
    const rule: NeutralRule = { id, ...(d.scope ? { scope: neutralScope(d.scope) } : {}), priority: pr, effect: neutralEffect(d.action), ifs: d.ifs };
    return { id, kind: d.kind, text: lines.join("\n"), rule };
  });
}

/** The policy set as `.policy` files of at most 1,000 policies (the first one holds the default). */
export function policySources(policies: readonly WPolicy[]): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (let i = 0; i < policies.length; i += 1000) {
    const head = i === 0 ? "default by operation { Read: allow  Write: allow  Delete: require_approval  Unknown: block }\n\n" : "";
    out.push({ file: `policies/set-${String(i / 1000).padStart(2, "0")}.policy`, text: head + policies.slice(i, i + 1000).map((p) => p.text).join("\n\n") + "\n" });
  }
  return out;
}

// ─── events ───────────────────────────────────────────────────────────────────────────
export interface WEvent {
  readonly type: "tool_call_request";
  readonly session_id: string;
  readonly seq: number;
  readonly ts: string;
  readonly tenant: string;
  readonly agent: { readonly id: string; readonly name: string; readonly review_status: string };
  readonly call:
    | { readonly id: string; readonly type: "mcp"; readonly integration: string; readonly tool: string; readonly args: Record<string, unknown> }
    | { readonly id: string; readonly type: "cli"; readonly command: string[] };
}

const WORDS = "the a report for team update status customer please review attached notes weekly summary with numbers draft plan".split(" ");

function text(rng: Rng): string {
  const w: string[] = [];
  const n = 4 + rng.int(10);
  for (let i = 0; i < n; i++) w.push(rng.pick(WORDS));
  const r = rng.next();
  if (r < 0.04) w.splice(rng.int(w.length), 0, rng.pick(BODY_WORDS).toUpperCase().replace("DEAL #", "Deal #42"));
  else if (r < 0.055) w.push("key", "AKIA" + "ABCDEFGHIJKLMNOP".split("").map(() => rng.pick([..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"])).join(""));
  else if (r < 0.075) w.push("contact", `someone${rng.int(100)}@example.org`);
  else if (r < 0.09) w.push("CONFIDENTIAL");
  return w.join(" ");
}

/** `n` events: tools Zipf-distributed, ~1% unknown tools, ~0.5% unknown integrations, realistic argument values. */
export function makeEvents(n: number, seed: number, integrations: readonly WIntegration[]): WEvent[] {
  const rng = new Rng(seed * 104729 + 17);
  const tools = integrations.flatMap((i) => i.tools);
  const order = rng.sample(tools, tools.length);
  const cdf = zipfCdf(order.length, 0.9);
  const agentCdf = zipfCdf(AGENTS.length, 0.7);
  const t0 = Date.parse("2026-11-23T08:00:00Z");
  const out: WEvent[] = [];
  for (let i = 0; i < n; i++) {
    const a = AGENTS[rng.zipf(agentCdf)]!;
    const tenant = TENANTS[rng.int(TENANTS.length)]!;
    const ts = new Date(t0 + i * 250).toISOString();
    const base = { type: "tool_call_request" as const, session_id: `s${tenant}-${i >> 6}`, seq: i & 63, ts, tenant, agent: { id: `ag-${a.name.replace(/\W/g, "").toLowerCase()}`, name: a.name, review_status: a.review } };
    let t = order[rng.zipf(cdf)]!;
    const ig = integrations.find((x) => x.id === t.integration)!;
    const roll = rng.next();
    if (ig.callType === "cli") {
      const extra = rng.chance(0.3) ? ["--force"] : [];
      const command = roll < 0.01 ? [ig.prog!, "version"] : [ig.prog!, t.verb, t.noun, `name-${rng.int(50)}`, ...extra];
      if (rng.chance(0.05)) command.push("--note", text(rng));
      out.push({ ...base, call: { id: `c${i}`, type: "cli", command } });
      continue;
    }
    let integration = t.integration;
    let tool = t.name;
    if (roll < 0.005) { integration = "legacy_erp"; tool = "export_ledger"; }
    else if (roll < 0.015) tool = `${t.verb}_${t.noun}_v2`;
    else if (roll < 0.03) tool = tool.toUpperCase(); // names resolve case-insensitively
    const args: Record<string, unknown> = { project: rng.chance(0.9) ? rng.pick(PROJECTS) : `other/${rng.int(100)}` };
    if (rng.chance(0.5)) args["id"] = `ID-${rng.int(1000)}`;
    if (rng.chance(0.6)) args["limit"] = rng.chance(0.85) ? 10 * (1 + rng.int(20)) : 100 * (1 + rng.int(10));
    if (rng.chance(0.5)) args["visibility"] = rng.pick(VISIBILITY);
    if (rng.chance(0.4)) args["tags"] = rng.sample(TAGS, 1 + rng.int(2));
    if (t.operation !== "Read" || rng.chance(0.2)) args["text"] = text(rng);
    void (t = t);
    out.push({ ...base, call: { id: `c${i}`, type: "mcp", integration, tool, args } });
  }
  return out;
}
