/**
 * CST → AST. Tolerates the holes that error recovery leaves (missing tokens, partial nodes):
 * a missing piece drops the enclosing item, never throws. Syntax-level diagnostics about
 * literals (bad escapes, bad numbers) are produced here.
 */
import type { CstNode, IToken, CstElement } from "./chevrotain.js";
import * as A from "./ast.js";
import { LineMap, type Span } from "./span.js";
import { diag, type Diagnostic } from "./diagnostic.js";

type Children = Record<string, CstElement[] | undefined>;

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export class CstToAst {
  readonly diagnostics: Diagnostic[] = [];
  constructor(private readonly lines: LineMap) {}

  private tokSpan(t: IToken): Span {
    return this.lines.span(t.startOffset, t.startOffset + t.image.length);
  }

  private nodeSpan(n: CstNode): Span {
    const loc = n.location;
    if (!loc || !Number.isFinite(loc.startOffset)) return this.lines.span(0, 0);
    const end = Number.isFinite(loc.endOffset) ? (loc.endOffset as number) + 1 : loc.startOffset;
    return this.lines.span(loc.startOffset, end);
  }

  private tok(c: Children, name: string, i = 0): IToken | undefined {
    const t = c[name]?.[i] as IToken | undefined;
    if (!t || t.isInsertedInRecovery || !Number.isFinite(t.startOffset)) return undefined;
    return t;
  }

  /**
   * A child node. A node the parser built during error recovery (`recoveredNode`) is kept on
   * purpose: its missing tokens read as undefined (`tok`), so a half-written line still yields the
   * part of the AST that is there (the editor completes and hovers on it).
   */
  private node(c: Children, name: string, i = 0): CstNode | undefined {
    return c[name]?.[i] as CstNode | undefined;
  }

  file(cst: CstNode, fileName: string, comments: readonly IToken[]): A.PolicyFile {
    const decls: A.Decl[] = [];
    for (const d of (cst.children["decl"] ?? []) as CstNode[]) {
      const x = this.decl(d);
      if (x) decls.push(x);
    }
    return {
      kind: "File",
      file: fileName,
      decls,
      comments: comments.map((t) => ({ text: t.image, span: this.tokSpan(t) })),
      span: this.lines.span(0, this.lines.text.length),
    };
  }

  private decl(n: CstNode): A.Decl | undefined {
    const c = n.children as Children;
    if (c["policyDecl"]) return this.policy(c["policyDecl"][0] as CstNode);
    if (c["testDecl"]) return this.test(c["testDecl"][0] as CstNode);
    if (c["defaultDecl"]) return this.default(c["defaultDecl"][0] as CstNode);
    if (c["detectorDecl"]) return this.detector(c["detectorDecl"][0] as CstNode);
    if (c["orgDecl"]) return this.org(c["orgDecl"][0] as CstNode);
    return undefined;
  }

  // ── literals ──
  string(t: IToken | undefined): A.StringValue | undefined {
    if (!t) return undefined;
    let value: string;
    try {
      value = JSON.parse(t.image) as string;
    } catch {
      this.diagnostics.push(diag("PDL1003", "error", this.tokSpan(t), "this string has an invalid escape", "use JSON escapes: \\\" \\\\ \\n \\t \\uXXXX"));
      value = t.image.slice(1, -1);
    }
    return { kind: "String", value, span: this.tokSpan(t) };
  }

  private number(t: IToken | undefined): A.NumberValue | undefined {
    if (!t) return undefined;
    return { kind: "Number", value: Number(t.image), raw: t.image, span: this.tokSpan(t) };
  }

  private name(t: IToken | undefined): A.NameValue | undefined {
    if (!t) return undefined;
    return { kind: "Name", value: t.image, span: this.tokSpan(t) };
  }

  private word(n: CstNode | undefined): A.NameValue | undefined {
    if (!n) return undefined;
    const c = n.children as Children;
    for (const k of Object.keys(c)) {
      const t = this.tok(c, k);
      if (t) return this.name(t);
    }
    return undefined;
  }

  value(n: CstNode | undefined): A.Value | undefined {
    if (!n) return undefined;
    const c = n.children as Children;
    if (c["StringLit"]) return this.string(this.tok(c, "StringLit"));
    if (c["NumberLit"]) return this.number(this.tok(c, "NumberLit"));
    if (c["Duration"]) {
      const t = this.tok(c, "Duration");
      if (!t) return undefined;
      const m = /^(\d+)(ms|s|m|h|d)$/.exec(t.image)!;
      return { kind: "Duration", raw: t.image, ms: Number(m[1]) * DURATION_UNITS[m[2]!]!, span: this.tokSpan(t) };
    }
    if (c["valueWord"]) return this.name(this.tok((c["valueWord"][0] as CstNode).children as Children, "word"));
    if (c["list"]) return this.list(c["list"][0] as CstNode);
    if (c["object"]) return this.object(c["object"][0] as CstNode);
    return undefined;
  }

  private list(n: CstNode | undefined): A.ListValue | undefined {
    if (!n) return undefined;
    const items: A.Value[] = [];
    for (const v of ((n.children as Children)["value"] ?? []) as CstNode[]) {
      const x = this.value(v);
      if (x) items.push(x);
    }
    return { kind: "List", items, span: this.nodeSpan(n) };
  }

  private object(n: CstNode | undefined): A.ObjectValue | undefined {
    if (!n) return undefined;
    const entries: A.ObjectEntry[] = [];
    for (const e of ((n.children as Children)["objectEntry"] ?? []) as CstNode[]) {
      const c = e.children as Children;
      const value = this.value(c["value"]?.[0] as CstNode | undefined);
      let key: A.NameValue | A.StringValue | undefined;
      let quoted = false;
      if (c["StringLit"]) { key = this.string(this.tok(c, "StringLit")); quoted = true; }
      else key = this.name(this.tok(c, "key"));
      if (!key || !value) continue;
      entries.push({ key: key.value, keySpan: key.span, quoted, value });
    }
    return { kind: "Object", entries, span: this.nodeSpan(n) };
  }

  // ── policy ──
  private policy(n: CstNode): A.PolicyDecl | undefined {
    const c = n.children as Children;
    const name = this.string(this.tok(c, "StringLit"));
    if (!name) return undefined;
    const items: A.PolicyItem[] = [];
    for (const it of (c["policyItem"] ?? []) as CstNode[]) {
      const x = this.policyItem(it);
      if (x) items.push(x);
    }
    return { kind: "Policy", name, items, span: this.nodeSpan(n) };
  }

  private policyItem(n: CstNode): A.PolicyItem | undefined {
    const c = n.children as Children;
    const span = this.nodeSpan(n);
    const word = () => this.word(c["word"]?.[0] as CstNode | undefined);
    if (c["Id"]) { const v = word(); return v && { kind: "IdItem", value: v, span }; }
    if (c["Scope"]) {
      const v = word();
      if (!v) return undefined;
      const target = this.string(this.tok(c, "target"));
      return target ? { kind: "ScopeItem", scope: v, target, span } : { kind: "ScopeItem", scope: v, span };
    }
    if (c["Status"]) { const v = word(); return v && { kind: "StatusItem", value: v, span }; }
    if (c["Version"]) { const v = this.number(this.tok(c, "NumberLit")); return v && { kind: "VersionItem", value: v, span }; }
    if (c["Priority"]) { const v = this.number(this.tok(c, "NumberLit")); return v && { kind: "PriorityItem", value: v, span }; }
    if (c["Description"]) { const v = this.string(this.tok(c, "text")); return v && { kind: "DescriptionItem", value: v, span }; }
    if (c["When"]) { const v = word(); return v && { kind: "WhenItem", value: v, span }; }
    if (c["If"]) { const e = this.orExpr(c["orExpr"]?.[0] as CstNode | undefined); return e && { kind: "IfItem", expr: e, span }; }
    if (c["Action"]) {
      const list = c["actionList"]?.[0] as CstNode | undefined;
      if (!list) return undefined;
      const actions: A.ActionNode[] = [];
      for (const a of ((list.children as Children)["actionNode"] ?? []) as CstNode[]) {
        const x = this.action(a);
        if (x) actions.push(x);
      }
      return actions.length ? { kind: "ActionItem", actions, span } : undefined;
    }
    return undefined;
  }

  private action(n: CstNode): A.ActionNode | undefined {
    const c = n.children as Children;
    const t = this.tok(c, "Name");
    if (!t) return undefined;
    const out: { -readonly [K in keyof A.ActionNode]: A.ActionNode[K] } = { kind: "Action", name: t.image, nameSpan: this.tokSpan(t), span: this.nodeSpan(n) };
    const what = this.name(this.tok(c, "what"));
    if (what) out.what = { seen: !!c["Seen"], word: what };
    const message = this.string(this.tok(c, "message"));
    if (message) out.message = message;
    const fields = this.list(c["fields"]?.[0] as CstNode | undefined);
    if (fields) out.fields = fields;
    const from = this.list(c["approvers"]?.[0] as CstNode | undefined);
    if (from) out.from = from;
    const to = this.string(this.tok(c, "target"));
    if (to) out.to = to;
    return out;
  }

  // ── expressions ──
  orExpr(n: CstNode | undefined): A.Expr | undefined {
    if (!n) return undefined;
    const items = (((n.children as Children)["andExpr"] ?? []) as CstNode[]).map((x) => this.andExpr(x)).filter((x): x is A.Expr => !!x);
    if (items.length === 0) return undefined;
    return items.length === 1 ? items[0] : { kind: "Or", items, span: this.nodeSpan(n) };
  }

  private andExpr(n: CstNode): A.Expr | undefined {
    const items = (((n.children as Children)["notExpr"] ?? []) as CstNode[]).map((x) => this.notExpr(x)).filter((x): x is A.Expr => !!x);
    if (items.length === 0) return undefined;
    return items.length === 1 ? items[0] : { kind: "And", items, span: this.nodeSpan(n) };
  }

  private notExpr(n: CstNode): A.Expr | undefined {
    const c = n.children as Children;
    if (c["Not"]) {
      const e = this.notExpr(c["notExpr"]?.[0] as CstNode);
      return e && { kind: "Not", expr: e, span: this.nodeSpan(n) };
    }
    if (c["LParen"]) return this.orExpr(c["orExpr"]?.[0] as CstNode | undefined);
    if (c["condition"]) return this.condition(c["condition"][0] as CstNode);
    return undefined;
  }

  /** A subject's parameters: the first value (with its second word), then options and filters. */
  private params(c: Children, span: Span): A.SubjectParams {
    let window = this.value(c["value"]?.[0] as CstNode | undefined);
    const second = this.name(this.tok(c, "windowWord"));
    // Kept whole whatever the first word is (`rate(5 x)` prints back as written; the checker says what is wrong).
    const first = window?.kind === "Name" ? window.value : window?.kind === "Number" || window?.kind === "Duration" ? window.raw : undefined;
    if (window && second && first !== undefined) window = { kind: "Name", value: `${first} ${second.value}`, span: this.lines.span(window.span.start, second.span.end) };
    const options: A.NameValue[] = [];
    const filters: A.Expr[] = [];
    for (const x of (c["orExpr"] ?? []) as CstNode[]) {
      const e = this.orExpr(x);
      if (!e) continue;
      const word = e.kind === "Condition" && e.op === "none" && !e.subject.params ? `${e.subject.name}${e.subject.qualifier ? ` ${e.subject.qualifier.value}` : ""}` : undefined;
      if (word !== undefined && A.PARAM_OPTIONS.includes(word)) options.push({ kind: "Name", value: word, span: e.span });
      else filters.push(e);
    }
    for (const t of (c["windowOption"] ?? []) as IToken[]) options.push({ kind: "Name", value: t.image, span: this.tokSpan(t) });
    options.sort((a, b) => a.span.start - b.span.start);
    const filter = filters.length > 1 ? { kind: "And" as const, items: filters, span: this.lines.span(filters[0]!.span.start, filters[filters.length - 1]!.span.end) } : filters[0];
    return { window, filter, ...(options.length ? { options } : {}), span };
  }

  private condition(n: CstNode): A.Condition | undefined {
    const c = n.children as Children;
    const subj = this.tok(c, "Name");
    if (!subj) return undefined;
    const span = this.nodeSpan(n);
    let params: A.SubjectParams | undefined;
    if (c["LParen"]) {
      const lp = this.tok(c, "LParen");
      const rp = this.tok(c, "RParen");
      params = this.params(c, lp && rp ? this.lines.span(lp.startOffset, rp.startOffset + 1) : span);
    }
    const qualifier = this.name(this.tok(c, "qualifier"));
    const subject: A.Subject = { name: subj.image, span: this.tokSpan(subj), ...(qualifier ? { qualifier } : {}), ...(params ? { params } : {}) };
    const pn = c["predicate"]?.[0] as CstNode | undefined;
    if (!pn) return { kind: "Condition", subject, op: "none", opSpan: subject.span, span };
    const p = pn.children as Children;
    const v = () => this.value(p["value"]?.[0] as CstNode | undefined);
    const first = (...names: string[]) => { for (const k of names) { const t = this.tok(p, k); if (t) return t; } return undefined; };
    const opTok = first("Is", "Not", "In", "Matches", "Contains", "Has", "Exists", "Within", "Under", "Cmp", "Starts");
    if (!opTok) return undefined;
    const opEnd = first("Any", "All", "Called", "Seen", "mark", "With") ?? (p["Is"] && p["Not"] ? this.tok(p, "Not") : undefined) ?? (p["Not"] && p["In"] ? this.tok(p, "In") : undefined) ?? opTok;
    const opSpan = this.lines.span(opTok.startOffset, opEnd.startOffset + opEnd.image.length);
    const base = { kind: "Condition" as const, subject, opSpan, span };
    if (p["Is"]) { const value = v(); return value && { ...base, op: p["Not"] ? "is_not" : "is", value }; }
    if (p["In"]) { const value = v(); return value && { ...base, op: p["Not"] ? "not_in" : "in", value }; }
    if (p["Matches"]) { const value = v(); return value && { ...base, op: "matches", value }; }
    if (p["Contains"]) {
      const value = v();
      return value && { ...base, op: p["Any"] ? "contains_any" : p["All"] ? "contains_all" : "contains", value };
    }
    if (p["Has"]) { const value = v(); return value && { ...base, op: p["Called"] ? "has_called" : p["Seen"] ? "has_seen" : p["mark"] ? "has_mark" : "has", value }; }
    if (p["Exists"]) return { ...base, op: "exists" };
    if (p["Under"]) { const value = v(); return value && { ...base, op: "under", value }; }
    if (p["Starts"]) { const value = v(); return value && { ...base, op: "starts_with", value }; }
    if (p["Within"]) {
      const value = this.string(this.tok(p, "spec"));
      if (!value) return undefined;
      const tz = this.string(this.tok(p, "tz"));
      return tz ? { ...base, op: "within", value, tz } : { ...base, op: "within", value };
    }
    if (p["Cmp"]) {
      const value = v();
      if (!value) return undefined;
      const unit = this.name(this.tok(p, "unit"));
      const op = opTok.image as ">" | "<" | ">=" | "<=";
      return unit ? { ...base, op, value, unit } : { ...base, op, value };
    }
    return undefined;
  }

  // ── tests ──
  private test(n: CstNode): A.TestDecl | undefined {
    const c = n.children as Children;
    const name = this.string(this.tok(c, "StringLit"));
    if (!name) return undefined;
    const steps: A.TestStep[] = [];
    for (const s of (c["testStep"] ?? []) as CstNode[]) {
      const x = this.step(s);
      if (x) steps.push(x);
    }
    return { kind: "Test", name, steps, span: this.nodeSpan(n) };
  }

  private pairs(ns: CstNode[] | undefined): A.GivenPair[] {
    const out: A.GivenPair[] = [];
    for (const p of ns ?? []) {
      const c = p.children as Children;
      const key = this.word(c["word"]?.[0] as CstNode | undefined);
      const value = this.value(c["value"]?.[0] as CstNode | undefined);
      if (key && value) out.push({ key, value });
    }
    return out;
  }

  private step(n: CstNode): A.TestStep | undefined {
    const c = n.children as Children;
    const span = this.nodeSpan(n);
    if (c["Given"]) return { kind: "Given", pairs: this.pairs(c["pair"] as CstNode[]), span };
    if (c["Call"]) {
      const tool = this.name(this.tok(c, "Name"));
      if (!tool) return undefined;
      const args = this.object(c["object"]?.[0] as CstNode | undefined);
      return args ? { kind: "Call", tool, args, span } : { kind: "Call", tool, span };
    }
    if (c["Run"]) { const command = this.string(this.tok(c, "command")); return command && { kind: "Run", command, span }; }
    if (c["Discover"]) {
      const agent = this.string(this.tok(c, "agentName"));
      const w = this.word(c["word"]?.[0] as CstNode | undefined);
      if (w && w.value !== "agent") this.diagnostics.push(diag("PDL1011", "error", w.span, `expected 'agent' after 'discover' but found '${w.value}'`, "write `discover agent \"Windsurf\" review_status Disallowed`"));
      return agent && { kind: "Discover", agent, pairs: this.pairs(c["pair"] as CstNode[]), span };
    }
    if (c["Respond"]) return this.respond(c["respondItem"] as CstNode[] | undefined, span);
    if (c["Message"]) {
      const text = this.string(this.tok(c, "text"));
      const party = this.word(c["party"]?.[0] as CstNode | undefined);
      if (party && party.value !== "user") this.diagnostics.push(diag("PDL1011", "error", party.span, `expected 'user' after 'message ${this.tok(c, "direction")?.image ?? "to"}' but found '${party.value}'`, "write `message to user \"…\"` or `message from user \"…\"`"));
      return text && { kind: "Message", direction: this.tok(c, "direction")?.image === "from" ? "from_user" : "to_user", text, span };
    }
    if (c["Replay"]) { const path = this.string(this.tok(c, "path")); return path && { kind: "Replay", path, span }; }
    if (c["expectStep"]) return this.expect(c["expectStep"][0] as CstNode);
    return undefined;
  }

  /** `respond cost 0.42 USD result { … }`: each key at most once, `cost` with a number and a currency, `result` with an object. */
  private respond(items: CstNode[] | undefined, span: Span): A.RespondStep {
    const out: { -readonly [K in keyof A.RespondStep]: A.RespondStep[K] } = { kind: "Respond", span };
    const hint = "write `respond cost 0.42 USD`, `respond result { rows: 3 }` or both";
    for (const n of items ?? []) {
      const c = n.children as Children;
      const key = this.word(c["key"]?.[0] as CstNode | undefined);
      if (!key) continue;
      const amount = this.number(this.tok(c, "amount"));
      const currency = this.name(this.tok(c, "currency"));
      const result = c["object"] ? this.object(c["object"][0] as CstNode) : undefined;
      if (key.value === "cost" && amount && currency) {
        if (out.cost) this.diagnostics.push(diag("PDL1011", "error", key.span, "`cost` is given twice in this `respond`", hint));
        else out.cost = { amount, currency };
      } else if (key.value === "result" && result) {
        if (out.result) this.diagnostics.push(diag("PDL1011", "error", key.span, "`result` is given twice in this `respond`", hint));
        else out.result = result;
      } else if (key.value === "cost") {
        if (result) this.diagnostics.push(diag("PDL1011", "error", key.span, "`cost` takes an amount and a currency: `cost 0.42 USD`", hint));
      } else if (key.value === "result") {
        if (amount) this.diagnostics.push(diag("PDL1011", "error", key.span, "`result` takes an object: `result { rows: 3 }`", hint));
      } else {
        this.diagnostics.push(diag("PDL1011", "error", key.span, `unknown \`respond\` key '${key.value}' (use cost, result)`, hint));
      }
    }
    return out;
  }

  private expect(n: CstNode): A.ExpectStep | undefined {
    const c = n.children as Children;
    const what = this.name(this.tok(c, "what"));
    if (!what) return undefined;
    const out: { -readonly [K in keyof A.ExpectStep]: A.ExpectStep[K] } = { kind: "Expect", negated: !!this.tok(c, "No"), what, span: this.nodeSpan(n) };
    if (c["Event"]) {
      const seq = this.number(this.tok(c, "NumberLit"));
      if (!seq) return undefined;
      out.target = { kind: "event", seq };
    } else if (c["Calls"]) {
      const tool = this.name(this.tok(c, "tool"));
      if (!tool) return undefined;
      out.target = { kind: "calls", tool };
    }
    const argString = this.string(this.tok(c, "argString"));
    const argList = this.list(c["argList"]?.[0] as CstNode | undefined);
    if (argString) out.argument = argString;
    else if (argList) out.argument = argList;
    const byString = this.string(this.tok(c, "byString"));
    const byName = this.word(c["byName"]?.[0] as CstNode | undefined);
    if (byString) out.by = byString;
    else if (byName) out.by = byName;
    const from = this.list(c["fromList"]?.[0] as CstNode | undefined);
    if (from) out.from = from;
    return out;
  }

  // ── other declarations ──
  private default(n: CstNode): A.DefaultDecl | undefined {
    const c = n.children as Children;
    const span = this.nodeSpan(n);
    const target = this.defaultTargets(c);
    const forPart = target ? { for: target } : {};
    if (c["By"]) {
      const by = this.word(c["word"]?.[0] as CstNode | undefined);
      if (!by) return undefined;
      const ops = (c["operation"] ?? []) as IToken[];
      const effs = (c["effect"] ?? []) as IToken[];
      const entries: A.DefaultEntry[] = [];
      for (let i = 0; i < ops.length; i++) {
        const o = this.name(ops[i]?.isInsertedInRecovery ? undefined : ops[i]);
        const e = this.name(effs[i]?.isInsertedInRecovery ? undefined : effs[i]);
        if (o && e) entries.push({ operation: o, effect: e });
      }
      return { kind: "Default", ...forPart, by, entries, span };
    }
    const effect = this.name(this.tok(c, "single"));
    return effect && { kind: "Default", ...forPart, effect, span };
  }

  /** The `for key value …` pairs of a default, undefined without `for`. */
  private defaultTargets(c: Children): A.DefaultTarget[] | undefined {
    if (!c["For"]) return undefined;
    const keys = (c["forKey"] ?? []) as IToken[];
    const values = (c["forValue"] ?? []) as IToken[];
    const out: A.DefaultTarget[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = this.name(keys[i]?.isInsertedInRecovery ? undefined : keys[i]);
      const t = values[i]?.isInsertedInRecovery ? undefined : values[i];
      const value = t?.tokenType.name === "StringLit" ? this.string(t) : this.name(t);
      if (key && value) out.push({ key, value });
    }
    return out;
  }

  private detector(n: CstNode): A.DetectorDecl | undefined {
    const c = n.children as Children;
    const name = this.name(this.tok(c, "detectorName"));
    const re = this.tok(c, "Regex");
    if (!name || !re) return undefined;
    const last = re.image.lastIndexOf("/");
    const pattern = { source: re.image.slice(1, last), flags: re.image.slice(last + 1), span: this.tokSpan(re) };
    const cls = this.name(this.tok(c, "cls"));
    return cls ? { kind: "Detector", name, pattern, class: cls, span: this.nodeSpan(n) } : { kind: "Detector", name, pattern, span: this.nodeSpan(n) };
  }

  private org(n: CstNode): A.OrganizationDecl {
    const c = n.children as Children;
    return { kind: "Organization", entries: this.pairs(c["pair"] as CstNode[]), span: this.nodeSpan(n) };
  }
}
