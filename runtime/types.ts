/**
 * Types of the bundle (`policy-bundle/1`), of session events and of decisions.
 * The runtime owns these: the compiler produces what is described here.
 */

export type Effect = "allow" | "block" | "require_approval" | "hide";
export type Operation = "Read" | "Write" | "Delete" | "Unknown";
export type Cmp = ">" | "<" | ">=" | "<=";

/**
 * A resolved condition. Tool keys and integration ids are lower-case. Argument paths are lists of
 * object keys and index steps: `[3]` one element of an array, `[*]` every element (the condition
 * holds when it holds for any of them).
 */
export type CExpr =
  | { readonly k: "true" }
  | { readonly k: "false" }
  | { readonly k: "and"; readonly items: readonly CExpr[] }
  | { readonly k: "or"; readonly items: readonly CExpr[] }
  | { readonly k: "not"; readonly x: CExpr }
  | { readonly k: "integration"; readonly ids: readonly string[] }
  | { readonly k: "tool"; readonly keys: readonly string[] }
  /** `re` is an anchored regex source compiled from the glob; `dotted` matches `integration.tool`. */
  | { readonly k: "tool_glob"; readonly glob: string; readonly re: string; readonly dotted: boolean }
  | { readonly k: "label"; readonly label: string }
  | { readonly k: "operation"; readonly ops: readonly Operation[] }
  | { readonly k: "method"; readonly values: readonly string[] }
  | { readonly k: "category"; readonly values: readonly string[] }
  | { readonly k: "verb"; readonly values: readonly string[] }
  | { readonly k: "agent"; readonly names: readonly string[] }
  | { readonly k: "review"; readonly values: readonly string[] }
  /** `tool.review_status`: the bundle's review of the tool, `Unreviewed` when its definition changed (static-eval.ts). */
  | { readonly k: "tool_review"; readonly values: readonly string[] }
  | { readonly k: "call_type"; readonly values: readonly string[] }
  | { readonly k: "arg"; readonly path: readonly string[]; readonly op: "eq"; readonly value: unknown }
  | { readonly k: "arg"; readonly path: readonly string[]; readonly op: "in"; readonly values: readonly unknown[] }
  | { readonly k: "arg"; readonly path: readonly string[]; readonly op: "matches"; readonly glob: string; readonly re: string }
  | { readonly k: "arg"; readonly path: readonly string[]; readonly op: "contains"; readonly value: unknown }
  | { readonly k: "arg"; readonly path: readonly string[]; readonly op: Cmp; readonly n: number }
  | { readonly k: "arg"; readonly path: readonly string[]; readonly op: "exists" }
  /** `args.url host is "github.com"`: a part of the URL in a string argument (never holds when it is not a URL). */
  | { readonly k: "url"; readonly path: readonly string[]; readonly part: "host" | "scheme" | "path"; readonly op: "eq"; readonly value: string }
  | { readonly k: "url"; readonly path: readonly string[]; readonly part: "host" | "scheme" | "path"; readonly op: "in"; readonly values: readonly string[] }
  | { readonly k: "url"; readonly path: readonly string[]; readonly part: "host" | "scheme" | "path"; readonly op: "matches"; readonly glob: string; readonly re: string }
  /** `args.path under "~/.ssh"`: the canonical path is the anchor or inside it, component-wise. */
  | { readonly k: "under"; readonly path: readonly string[]; readonly anchor: string }
  | { readonly k: "body"; readonly mode: "any" | "all"; readonly needles: readonly string[] }
  | { readonly k: "data_class"; readonly classes: readonly string[] }
  /** `command starts with "…"`: word prefixes of a command's normalised argv (any of them). */
  | { readonly k: "command_prefix"; readonly prefixes: readonly (readonly string[])[] }
  | { readonly k: "session_label"; readonly label: string }
  | { readonly k: "session_called"; readonly key: string }
  /** `session has seen SECRETS`: a detector of the class found something in a tool response of the session. */
  | { readonly k: "session_seen"; readonly cls: string }
  /** `session has mark "reviewed"`: a `message_from_user` policy of the session set the mark (and none cleared it since). */
  | { readonly k: "session_mark"; readonly mark: string }
  | { readonly k: "principal_external" }
  | { readonly k: "resource_new" }
  /**
   * `rate(5m) > 20`, `rate(today, tenant, allowed) > 1000`, `count(session, tool is x) >= 3`,
   * `sum(args.amount, today) > 500000`: calls (or the sum of an argument) over a window, the call
   * being decided included. The optional fields select a tally (runtime/tally.ts); without them
   * it is the agent's calls in the sliding window `windowMs`.
   */
  | {
    readonly k: "rate"; readonly windowMs: number; readonly filter?: CExpr; readonly cmp: Cmp; readonly n: number;
    /** Whose calls: the agent's (absent), the tenant's agents', the call's integration across the tenant's agents, the session's. */
    readonly scope?: TallyScope;
    /** A calendar period in the tenant's time zone, or the whole session, instead of the sliding `windowMs`. */
    readonly period?: "day" | "hour" | "session";
    /** Only calls that were not blocked count (a blocked call gives its place back). */
    readonly allowed?: true;
    /** `sum(args.amount, …)`: the argument path summed (numbers, and numeric strings; a negative counts as 0). */
    readonly sum?: readonly string[];
  }
  /** `burst`, `burst(tenant)`, `burst(integration)`: a spike against the recent baseline of the scope. */
  | { readonly k: "burst"; readonly scope?: TallyScope }
  | { readonly k: "spend"; readonly cmp: Cmp; readonly amount: number; readonly currency: string }
  | { readonly k: "time"; readonly spec: string; readonly tz: string }
  /**
   * `user …`: a field of the event's user (`["id"]`, `["roles"]`, `["groups"]`, `["manager"]`,
   * `["claims", name]`; see runtime/user.ts). On a list the condition holds when an element does;
   * false when the event has no user or the user lacks the field.
   */
  | { readonly k: "user"; readonly path: readonly string[]; readonly op: "eq"; readonly value: unknown }
  | { readonly k: "user"; readonly path: readonly string[]; readonly op: "in"; readonly values: readonly unknown[] }
  | { readonly k: "user"; readonly path: readonly string[]; readonly op: "matches"; readonly glob: string; readonly re: string }
  | { readonly k: "user"; readonly path: readonly string[]; readonly op: Cmp; readonly n: number }
  | { readonly k: "user"; readonly path: readonly string[]; readonly op: "exists" }
  /**
   * `args.level <= user.claims.clearance` · `args.owner is user.id`: an argument (`path`) against a
   * user field (`user`); false when either side is missing (runtime/user.ts).
   */
  | { readonly k: "arg_user"; readonly path: readonly string[]; readonly op: "eq" | Cmp; readonly user: readonly string[] }
  /**
   * `result.<path> …` (`when tool_response`): a value of the tool's result. `["content"]` is the
   * text of its MCP content items (an array of strings); any other first step reads
   * `structuredContent` (runtime/response.ts). Same operators and array rules as `arg`.
   */
  | { readonly k: "result"; readonly path: readonly string[]; readonly op: "eq"; readonly value: unknown }
  | { readonly k: "result"; readonly path: readonly string[]; readonly op: "in"; readonly values: readonly unknown[] }
  | { readonly k: "result"; readonly path: readonly string[]; readonly op: "matches"; readonly glob: string; readonly re: string }
  | { readonly k: "result"; readonly path: readonly string[]; readonly op: "contains"; readonly value: unknown }
  | { readonly k: "result"; readonly path: readonly string[]; readonly op: Cmp; readonly n: number }
  | { readonly k: "result"; readonly path: readonly string[]; readonly op: "exists" }
  /** `result size > 1 MB`: the result's size as UTF-8 JSON, in bytes. */
  | { readonly k: "result_size"; readonly cmp: Cmp; readonly bytes: number }
  /** `result is error`: the tool answered with an MCP `isError` result (or a JSON-RPC error). */
  | { readonly k: "result_error" };

/**
 * What a policy is decided on (`when …`): a tool call, an agent discovered, a tool's response (joined
 * to its request) or a message between the agent and its user.
 */
export type Trigger = "tool_call" | "agent_discovered" | "tool_response" | "message_to_user" | "message_from_user";

/** The triggers decided on what comes back to the agent or goes to the user (runtime/response.ts). */
export type ReturnTrigger = "tool_response" | "message_to_user" | "message_from_user";

/** Whose calls a tally counts (runtime/tally.ts). */
export type TallyScope = "tenant" | "integration" | "session";

export interface BundleDefault {
  /** `default allow` (all operations the same) or per operation. */
  readonly Read: "allow" | "block" | "require_approval";
  readonly Write: "allow" | "block" | "require_approval";
  readonly Delete: "allow" | "block" | "require_approval";
  readonly Unknown: "allow" | "block" | "require_approval";
  /** `single` when written `default X`, `by_operation` otherwise. */
  readonly form: "single" | "by_operation";
}

/**
 * A default for part of the calls: `default for integration GitHub by operation { … }`,
 * `default for tenant "acme" …`, `default for agent "Cursor" integration slack …`. `ops` holds only
 * the operations written (all four for `default X`); an operation left out falls through to the
 * next default in precedence order, then to the project-wide `default`, then to allow.
 */
export interface ScopedDefault {
  readonly tenant?: string;
  readonly agent?: string;
  /** Integration id, lower case. */
  readonly integration?: string;
  readonly ops: Readonly<Partial<Record<Operation, "allow" | "block" | "require_approval">>>;
  readonly form: "single" | "by_operation";
}

export interface BundlePolicy {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly priority: number;
  readonly version?: number;
  readonly status: "draft" | "active";
  readonly trigger: Trigger;
  /** `["platform"]`, `["tenant"]`, `["tenant","acme"]`, `["agent","Cursor"]`. */
  readonly scope: readonly string[];
  /** The `if` lines: printed text and resolved condition. */
  readonly ifs: readonly { readonly text: string; readonly expr: CExpr }[];
  /** Indexes of the `if` lines that depend on more than the tool (left to check for catalog tools). */
  readonly residual: readonly number[];
  readonly effect?: Effect;
  readonly reason?: string;
  readonly approvers?: readonly string[];
  readonly alerts?: readonly { readonly message?: string; readonly to?: string }[];
  readonly sanitize?: readonly string[];
  /**
   * `message_from_user` policies only: what the policy sets (`mark "reviewed"`) or takes out
   * (`clear seen SECRETS`, `clear untrusted_content`, `clear mark "x"`) of the session's state, in
   * written order (runtime/session-changes.ts).
   */
  readonly session?: readonly SessionChange[];
}

/**
 * A change of a session's state by a message from its user: `label` is the session label changed
 * (`mark:<name>`, `seen:<CLASS>`, or a catalog label such as `untrusted_content`).
 */
export interface SessionChange {
  readonly change: "mark" | "clear";
  readonly label: string;
}

/** A program's global options: those that take a value (`-C dir`, `--git-dir=x`) and flags. */
export interface GlobalOptions {
  readonly with_value: readonly string[];
  readonly flags: readonly string[];
}

/**
 * What an argument holds, read in canonical form: a file path, a URL, a shell command line, or (on a
 * CLI tool's `argv`) a `git push` whose remote and branches are read out (`git_push`, runtime/git-push.ts).
 */
export type ArgKind = "path" | "url" | "command" | "git_push";

/**
 * Per catalog tool: `[operation, labels, method, category, verbs, resource, name, argKinds?]`;
 * `argKinds` (argument path → kind, e.g. `{"path": "path", "paths[*]": "path"}`) only when the
 * catalog marks arguments.
 */
export type BundleTool =
  | readonly [Operation, readonly string[], string | null, string | null, readonly string[], string | null, string]
  | readonly [Operation, readonly string[], string | null, string | null, readonly string[], string | null, string, Readonly<Record<string, ArgKind>>];

export interface Bundle {
  readonly format: "policy-bundle/1";
  readonly revision: string;
  readonly compiler: string;
  readonly policies: readonly BundlePolicy[];
  /** Tool facts by lower-case key `integration.tool`. */
  readonly tools: Readonly<Record<string, BundleTool>>;
  /** Integration id → call type. */
  readonly integrations: Readonly<Record<string, "mcp" | "cli">>;
  /** Command patterns, most specific first: `[pattern, toolKey]`. */
  readonly commands: readonly (readonly [readonly string[], string])[];
  /**
   * Per program (`git`): the options that may stand before its subcommand, stepped over before the
   * command patterns match (`git -C dir push` is `git push`). Absent when no catalog declares any.
   */
  readonly global_options?: Readonly<Record<string, GlobalOptions>>;
  /**
   * The decision tables. Entries are `policyIndex * 2 + full` where `full = 1` means the whole
   * condition must be checked (the tool is not a catalog tool), `0` only the residual lines.
   * Each list is sorted by (priority, source order).
   */
  readonly index: {
    readonly tool_call: {
      readonly tools: Readonly<Record<string, readonly number[]>>;
      readonly integrations: Readonly<Record<string, readonly number[]>>;
      readonly other: readonly number[];
    };
    readonly agent_discovered: readonly number[];
    /**
     * `when tool_response` policies, bucketed like `tool_call` (a response is decided against its
     * request's tool). Absent when the project has none: then no response is inspected at all.
     */
    readonly tool_response?: {
      readonly tools: Readonly<Record<string, readonly number[]>>;
      readonly integrations: Readonly<Record<string, readonly number[]>>;
      readonly other: readonly number[];
    };
    /** `when message_to_user` / `when message_from_user` policies (entries with `full = 1`); absent when none. */
    readonly message_to_user?: readonly number[];
    readonly message_from_user?: readonly number[];
  };
  readonly default?: BundleDefault;
  /**
   * Defaults for part of the calls, in precedence order (the first that matches the call and
   * names its operation decides): agent + integration, agent, tenant + integration, tenant,
   * integration. Absent when the project has none.
   */
  readonly defaults?: readonly ScopedDefault[];
  readonly detectors: readonly { readonly name: string; readonly source: string; readonly flags: string; readonly class: string }[];
  readonly organization?: {
    readonly domains: readonly string[];
    readonly slack_workspaces: readonly string[];
    readonly github_orgs: readonly string[];
    readonly external_channels: readonly string[];
    /** The time zone of calendar windows (`today`, `this hour`): IANA name; UTC when absent. */
    readonly timezone?: string;
    /** Per tenant, its own time zone (overrides `timezone`). */
    readonly tenant_timezones?: Readonly<Record<string, string>>;
  };
  /** Who may approve, per role (`policy.config.json` → `approvers`): role → user names, both sorted. */
  readonly approvers?: Readonly<Record<string, readonly string[]>>;
  /** Reviewed catalog tools (`policy.reviews.json`): lower-case key → `Approved` | `Disallowed`; any other tool is `Unreviewed`. */
  readonly tool_reviews?: Readonly<Record<string, ReviewStatus>>;
  /** Reviewed agents by name: the enforcement point stamps an agent's `review_status` from it. */
  readonly agent_reviews?: Readonly<Record<string, ReviewStatus>>;
  /** Pinned tool definitions (imported catalogs): lower-case key → hash and definition as imported. */
  readonly pins?: Readonly<Record<string, ToolPin>>;
}

export type ReviewStatus = "Approved" | "Unreviewed" | "Disallowed";

/** A tool's definition as imported (MCP `tools/list` entry: name, title, description, schemas, annotations) and its hash. */
export interface ToolPin {
  /** `sha256:` + hex of the definition's canonical JSON. */
  readonly hash: string;
  readonly definition: Readonly<Record<string, unknown>>;
}

// ─── Events ───────────────────────────────────────────────────────────────────────────
export interface AgentInfo {
  readonly id?: string;
  readonly name?: string;
  readonly review_status?: string;
}

/**
 * The person behind the agent (SPEC §6 `user`): set by the enforcement point, never by the agent.
 * Claim values are JSON scalars or arrays of scalars.
 */
export interface UserInfo {
  readonly id: string;
  readonly roles?: readonly string[];
  readonly groups?: readonly string[];
  readonly claims?: Readonly<Record<string, UserClaim>>;
  /** The user's manager (a person id): who alone may fill the `manager` approver role. */
  readonly manager?: string;
}
export type UserScalar = string | number | boolean | null;
export type UserClaim = UserScalar | readonly UserScalar[];

export interface SessionEvent {
  readonly type: string;
  readonly session_id?: string;
  readonly seq?: number;
  readonly ts?: string;
  readonly tenant?: string;
  readonly agent?: AgentInfo;
  readonly user?: UserInfo;
  readonly call?: {
    readonly id?: string;
    readonly type?: "mcp" | "cli";
    readonly integration?: string;
    readonly tool?: string;
    readonly args?: Record<string, unknown>;
    /** An argv, or a shell line (`"git add . && git push"`) split into simple commands. */
    readonly command?: readonly string[] | string;
    /** The folder the upstream resolves relative paths against (absolute): path arguments are made relative to it. */
    readonly root?: string;
    /** The home folder `~` stands for in path arguments (absolute). */
    readonly home?: string;
    /** Informational (recordings): the arguments in canonical form, when they differ from `args`. */
    readonly canonical_args?: Record<string, unknown>;
    /**
     * Set by the enforcement point: what differs between the tool's live definition and the one
     * the bundle pinned (`description`, `inputSchema.properties.path`, `not listed`, …). Non-empty:
     * the tool counts as `Unreviewed` (a `Disallowed` tool stays `Disallowed`).
     */
    readonly definition_changed?: readonly string[];
  };
  readonly call_id?: string;
  readonly result?: unknown;
  readonly cost?: { readonly amount: number; readonly currency: string };
  readonly text?: string;
}

// ─── Decisions ────────────────────────────────────────────────────────────────────────
export interface PolicyRef {
  readonly id: string;
  readonly name: string;
  readonly file: string;
  readonly line: number;
}

export interface Decision {
  effect: "allow" | "require_approval" | "block";
  policy: PolicyRef | null;
  reason: string;
  matched: { id: string; name: string }[];
  /** `why`: the policy's conditions that held (extra field). */
  alerts: { policy: string; message: string; to: string | null; agent?: string | null; tool?: string | null; integration?: string | null; why?: string }[];
  sanitize: { policy: string; fields: string[] }[];
  approvers: string[];
  /**
   * Extra: an approver role → the only people who may fill it for this request, named by the
   * event's user record (`from [manager]` and `user.manager`). Absent when no role is so named.
   */
  approver_people?: Record<string, string[]>;
  hidden: boolean;
  revision: string;
  /** Extra: the resolved tool (`github.create_issue`) and its operation. */
  tool?: string | null;
  operation?: Operation;
  /** Extra: what was unusual about the event (time clamped, revision not loaded); see docs/sessions.md. */
  notes?: string[];
  /**
   * Extra: a command line's simple commands, each decided (present when the line held more than one
   * command, was a shell line, or had words stepped over); the call's effect is the strictest.
   */
  commands?: {
    argv: string[];
    raw_argv: string[];
    tool: string;
    operation: Operation;
    effect: "allow" | "require_approval" | "block";
    policy: string | null;
    reason: string;
    /** Why the command could not be decided statically (then the default for `Unknown` applied). */
    unknown?: string;
  }[];
  /** Extra: the event decided, for a response or a message (`tool_response`, `message_to_user`, `message_from_user`). */
  event?: ReturnTrigger;
  /** Extra, responses and messages: `block` withholds the result or message (an `isError` result says why). */
  withheld?: boolean;
  /**
   * Extra, `message_from_user`: the session changes of the matched policies, in decision order, and
   * whether they were applied (only a message that is forwarded, `allow`, changes the session).
   */
  session_changes?: { policy: string; change: "mark" | "clear"; label: string }[];
  session_changed?: boolean;
}
