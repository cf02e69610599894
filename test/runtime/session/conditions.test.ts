/** Every session condition of SPEC §4 on the in-memory store, with the rules of docs/sessions.md. */
import { describe, expect, it } from "vitest";
import { createEnforcer, MemoryStore } from "../../../runtime/index.js";
import { compile, request, response, at } from "./helpers.js";

const ORG = `organization {
  domains ["acme.com"]
  slack_workspaces ["acme"]
  github_orgs ["acme"]
  external_channels ["C0EXT*", "ext-*"]
}
`;

const TRIFECTA = ORG + `
policy "Lethal trifecta" {
  id lethal-trifecta
  priority 10
  if session has untrusted_content
  if session has private_data
  if tool has external_communication
  if principal is external
  action block "untrusted content and private data were read in this session: nothing may leave the organisation", alert "Possible exfiltration after reading untrusted content and private data" to "#security"
}
`;

const T0 = "2026-11-23T10:00:00Z";

describe("session has <label> — the lethal trifecta", () => {
  it("blocks an external post after reading an e-mail and a private document, with an alert saying what, why, agent, tool, integration", () => {
    const e = createEnforcer(compile(TRIFECTA), { store: new MemoryStore() });
    expect(e.decide(request(at(T0, 0), "slack.slack_post_message", { channel_id: "C0EXT42", text: "hi" })).effect).toBe("allow");
    expect(e.decide(request(at(T0, 1), "gmail.read_email", { messageId: "m1" })).effect).toBe("allow");
    expect(e.decide(request(at(T0, 2), "google_drive.read_file", { file_id: "f1" })).effect).toBe("allow");
    // Internal channel: not external, allowed.
    expect(e.decide(request(at(T0, 3), "slack.slack_post_message", { channel_id: "C0INTERNAL", text: "summary" })).effect).toBe("allow");
    const d = e.decide(request(at(T0, 4), "slack.slack_post_message", { channel_id: "C0EXT42", text: "here is the doc" }));
    expect(d.effect).toBe("block");
    expect(d.policy?.id).toBe("lethal-trifecta");
    expect(d.reason).toMatch(/untrusted content and private data/);
    expect(d.alerts).toHaveLength(1);
    const a = d.alerts[0]!;
    expect(a).toMatchObject({ policy: "lethal-trifecta", to: "#security", agent: "Support Bot", tool: "slack.slack_post_message", integration: "slack" });
    expect(a.message).toMatch(/exfiltration/);
    expect(a.why).toBe("session has untrusted_content and session has private_data and tool has external_communication and principal is external");
  });

  it("e-mail to an outside address is blocked, to a colleague allowed", () => {
    const e = createEnforcer(compile(TRIFECTA));
    e.decide(request(at(T0, 0), "gmail.read_email", { messageId: "m1" }));
    expect(e.decide(request(at(T0, 1), "gmail.send_email", { to: ["bob@acme.com"], subject: "s", body: "b" })).effect).toBe("allow");
    expect(e.decide(request(at(T0, 2), "gmail.send_email", { to: ["bob@acme.com"], cc: ["eve@evil.example"], subject: "s", body: "b" })).effect).toBe("block");
  });

  it("labels come only from calls that were not blocked; sessions do not share labels", () => {
    const b = compile(ORG + `
policy "No mail" { id no-mail
  if tool is gmail.read_email
  action block }
policy "Trifecta" { id trifecta
  if session has untrusted_content
  if tool has external_communication
  action block }
`);
    const e = createEnforcer(b);
    expect(e.decide(request(at(T0, 0), "gmail.read_email", { messageId: "m1" })).effect).toBe("block");
    expect(e.decide(request(at(T0, 1), "slack.slack_post_message", { channel_id: "C1", text: "x" })).effect).toBe("allow");
    expect(e.decide(request(at(T0, 2), "github.get_issue", { owner: "acme", repo: "web", issue_number: 1 })).effect).toBe("allow");
    expect(e.decide(request(at(T0, 3), "slack.slack_post_message", { channel_id: "C1", text: "x" })).effect).toBe("block");
    expect(e.decide(request(at(T0, 4), "slack.slack_post_message", { channel_id: "C1", text: "x" }, { session: "s2" })).effect).toBe("allow");
  });

  it("session has called <tool>", () => {
    const e = createEnforcer(compile(`policy "After reading mail, posting needs approval" { id mail-then-post
  if session has called gmail.read_email
  if tool is slack.slack_post_message
  action require_approval }`));
    expect(e.decide(request(at(T0, 0), "slack.slack_post_message", { channel_id: "C1", text: "x" })).effect).toBe("allow");
    e.decide(request(at(T0, 1), "gmail.read_email", { messageId: "m1" }));
    expect(e.decide(request(at(T0, 2), "slack.slack_post_message", { channel_id: "C1", text: "x" })).effect).toBe("require_approval");
  });

  it("a response whose request was not seen records the labels of the call it names; a response to a blocked call records none", async () => {
    const b = compile(`policy "No mail" { id no-mail
  if tool is gmail.read_email
  if args.messageId is "secret"
  action block }
policy "Trifecta" { id trifecta
  if session has untrusted_content
  if tool has external_communication
  action block }
`);
    const e = createEnforcer(b);
    expect(e.decide(request(at(T0, 0), "gmail.read_email", { messageId: "secret" }, {}, "c1")).effect).toBe("block");
    const r1 = await e.observe(response(at(T0, 0, 1), "c1"));
    expect(r1.note).toMatch(/which was blocked/);
    expect(e.decide(request(at(T0, 1), "slack.slack_post_message", { channel_id: "C1", text: "x" })).effect).toBe("allow");
    const r2 = await e.observe(response(at(T0, 2), "zz9", undefined, {}, { call: { integration: "gmail", tool: "read_email" } }));
    expect(r2.note).toMatch(/unknown call id "zz9": labels of gmail.read_email recorded/);
    expect(e.decide(request(at(T0, 3), "slack.slack_post_message", { channel_id: "C1", text: "x" })).effect).toBe("block");
    const r3 = await e.observe(response(at(T0, 4), "nope"));
    expect(r3.note).toMatch(/unknown call id "nope": no labels recorded/);
  });
});

describe("rate(window[, filter]) — this agent's requests in the window, the current one included", () => {
  // The filter selects what is counted; the `if integration is GitHub` line selects what is limited.
  const b = compile(`policy "GitHub rate" { id github-rate
  if integration is GitHub
  if rate(5m, integration is GitHub) > 3
  action block "more than 3 GitHub calls in 5 minutes" }`);
  const gh = { owner: "acme", repo: "web" };

  it("counts calls per agent across sessions, filtered, with the window end exclusive", () => {
    const e = createEnforcer(b);
    const eff = (m: number, s: number, tool: string, who = {}) => e.decide(request(at(T0, m, s), tool, tool.startsWith("github") ? gh : { messageId: "m" }, who)).effect;
    expect(eff(0, 0, "github.list_issues")).toBe("allow");
    expect(eff(1, 0, "github.list_issues", { session: "s2" })).toBe("allow");
    expect(eff(1, 30, "gmail.read_email")).toBe("allow"); // not counted by the filter
    expect(eff(2, 0, "github.list_issues")).toBe("allow"); // 3rd
    expect(eff(2, 0, "github.list_issues", { agent: "other" })).toBe("allow"); // another agent
    expect(eff(3, 0, "github.list_issues")).toBe("block"); // 4th in (−2m, 3m]
    expect(eff(4, 0, "gmail.read_email")).toBe("allow");
    // At 5:00 the call at 0:00 is out of the window (end exclusive), but the blocked one at 3:00 counts.
    expect(eff(5, 0, "github.list_issues")).toBe("block"); // 1:00, 2:00, 3:00, 5:00 = 4
    expect(eff(7, 30, "github.list_issues")).toBe("allow"); // 3:00, 5:00, 7:30 = 3
  });
});

describe("burst — last minute ≥ 10 calls and ≥ 5× the agent's average minute over the hour before", () => {
  const b = compile(`policy "Burst" { id burst
  if burst
  action require_approval "unusual burst of calls" }`);

  it("a new agent bursting from nothing: the 10th call in a minute", () => {
    const e = createEnforcer(b);
    const effects = Array.from({ length: 11 }, (_, i) => e.decide(request(at(T0, 0, i * 5), "linear.list_issues")).effect);
    expect(effects.slice(0, 9)).toEqual(Array(9).fill("allow"));
    expect(effects[9]).toBe("require_approval");
    expect(effects[10]).toBe("require_approval");
    // A minute later the spike is over.
    expect(e.decide(request(at(T0, 2, 0), "linear.list_issues")).effect).toBe("allow");
  });

  it("a steady busy agent (12 calls a minute for an hour) is not a burst; 5× its baseline is", () => {
    const e = createEnforcer(b);
    let last = "";
    for (let m = 0; m < 60; m++) for (let k = 0; k < 12; k++) last = e.decide(request(at(T0, m, k * 5), "linear.list_issues")).effect;
    expect(last).toBe("allow");
    const out: string[] = [];
    for (let k = 0; k < 60; k++) out.push(e.decide(request(at(T0, 60, k), "linear.list_issues")).effect);
    // 59-minute baseline ≈ 12/min → burst from 60 calls in the last minute.
    expect(out.indexOf("require_approval")).toBeGreaterThan(40);
    expect(out[59]).toBe("require_approval");
  });
});

describe("spend today — sum of cost of this agent's responses on the UTC day", () => {
  const b = compile(`policy "Budget" { id budget
  if spend today > 50 USD
  action block "daily budget of 50 USD exceeded" }`);

  it("adds costs per agent and day, ignores other currencies and bad costs with a note", async () => {
    const e = createEnforcer(b);
    const d1 = e.decide(request("2026-11-23T09:00:00Z", "github.search_code", { query: "x" }, {}, "k1"));
    expect(d1.effect).toBe("allow");
    await e.observe(response("2026-11-23T09:00:01Z", "k1", { amount: 20, currency: "USD" }));
    await e.observe(response("2026-11-23T09:00:02Z", "k1", { amount: 30, currency: "usd" }));
    expect(e.decide(request("2026-11-23T09:01:00Z", "github.search_code", { query: "x" })).effect).toBe("allow"); // 50, not > 50
    expect((await e.observe(response("2026-11-23T09:01:01Z", "k1", { amount: 99, currency: "EUR" }))).note).toMatch(/EUR counts only toward limits in EUR/);
    expect((await e.observe(response("2026-11-23T09:01:02Z", "k1", { amount: 99, currency: "dollars" }))).note).toMatch(/unknown currency "dollars" ignored/);
    expect((await e.observe(response("2026-11-23T09:01:03Z", "k1", { amount: -10, currency: "USD" }))).note).toMatch(/negative cost/);
    expect(e.decide(request("2026-11-23T09:02:00Z", "github.search_code", { query: "x" })).effect).toBe("allow");
    // Another agent's spend does not count; a response without agent counts for the session's agent.
    await e.observe(response("2026-11-23T09:02:01Z", "k1", { amount: 500, currency: "USD" }, { agent: "other", session: "s9" }));
    await e.observe({ type: "tool_call_response", session_id: "s1", tenant: "acme", ts: "2026-11-23T09:02:02Z", call_id: "k1", cost: { amount: 0.01, currency: "USD" } });
    const d = e.decide(request("2026-11-23T09:03:00Z", "github.search_code", { query: "x" }));
    expect(d.effect).toBe("block");
    expect(d.policy?.id).toBe("budget");
    // A new UTC day starts from zero.
    expect(e.decide(request("2026-11-24T00:00:00Z", "github.search_code", { query: "x" })).effect).toBe("allow");
  });

  it("sums in micro-units, so 0.1 + 0.2 is exactly 0.3", async () => {
    const e = createEnforcer(compile(`policy "Tiny" { id tiny
  if spend today >= 0.3 USD
  action block }`));
    e.decide(request("2026-11-23T09:00:00Z", "github.search_code", { query: "x" }, {}, "k1"));
    await e.observe(response("2026-11-23T09:00:01Z", "k1", { amount: 0.1, currency: "USD" }));
    await e.observe(response("2026-11-23T09:00:02Z", "k1", { amount: 0.2, currency: "USD" }));
    expect(e.decide(request("2026-11-23T09:00:03Z", "github.search_code", { query: "x" })).effect).toBe("block");
  });
});

describe("time within — IANA zone, DST-correct", () => {
  const b = compile(`policy "Office hours" { id office-hours
  if not time within "Mon-Fri 09:00-18:00" tz "Europe/Berlin"
  if operation in [Write, Delete]
  action require_approval "writes outside office hours need approval" }`);
  const cases: [string, string, string][] = [
    ["2026-03-27T07:30:00Z", "Fri 08:30 CET", "require_approval"],
    ["2026-03-27T08:30:00Z", "Fri 09:30 CET", "allow"],
    ["2026-03-27T16:30:00Z", "Fri 17:30 CET", "allow"],
    ["2026-03-27T17:00:00Z", "Fri 18:00 CET (end exclusive)", "require_approval"],
    ["2026-03-28T10:00:00Z", "Sat", "require_approval"],
    ["2026-03-30T07:30:00Z", "Mon 09:30 CEST (after the change)", "allow"],
    ["2026-03-30T06:30:00Z", "Mon 08:30 CEST", "require_approval"],
    ["2026-03-30T15:30:00Z", "Mon 17:30 CEST", "allow"],
    ["2026-03-30T16:30:00Z", "Mon 18:30 CEST", "require_approval"],
    ["2026-10-23T07:30:00Z", "Fri 09:30 CEST (before the autumn change)", "allow"],
    ["2026-10-26T07:30:00Z", "Mon 08:30 CET (after it)", "require_approval"],
    ["2026-10-26T08:30:00Z", "Mon 09:30 CET", "allow"],
  ];
  for (const [ts, what, want] of cases) {
    it(`${what}: ${want}`, () => {
      const e = createEnforcer(b);
      expect(e.decide(request(ts, "linear.create_issue", { team: "ENG", title: "x" }, { session: ts })).effect).toBe(want);
    });
  }

  it("a window across the spring-forward night (02:00–03:00 does not exist)", () => {
    const e = createEnforcer(compile(`policy "Night" { id night
  if time within "Sun 01:00-04:00" tz "Europe/Berlin"
  action block }`));
    const eff = (ts: string) => e.decide(request(ts, "linear.list_issues", {}, { session: ts })).effect;
    expect(eff("2026-03-28T23:59:00Z")).toBe("allow"); // 00:59 CET
    expect(eff("2026-03-29T00:30:00Z")).toBe("block"); // 01:30 CET
    expect(eff("2026-03-29T01:30:00Z")).toBe("block"); // 03:30 CEST
    expect(eff("2026-03-29T02:00:00Z")).toBe("allow"); // 04:00 CEST
  });
});

describe("resource is new — first time this agent touches the value of the tool's resource argument", () => {
  it("needs approval the first time per agent and resource; a blocked call does not make it known", () => {
    const e = createEnforcer(compile(`policy "New repo" { id new-repo
  if resource is new
  if integration is GitHub
  action require_approval "first access to this repository" }
policy "No secrets repo" { id no-secrets
  if tool is github.get_file_contents
  if args.path is ".env"
  action block }`));
    const get = (m: number, owner: string, repo: string, path = "README.md", who = {}) => e.decide(request(at(T0, m), "github.get_file_contents", { owner, repo, path }, who)).effect;
    expect(get(0, "acme", "web")).toBe("require_approval");
    expect(get(1, "acme", "web")).toBe("allow");
    expect(e.decide(request(at(T0, 2), "github.list_issues", { owner: "acme", repo: "web" })).effect).toBe("allow"); // same repo, other tool
    expect(get(3, "other", "web")).toBe("require_approval"); // owner/repo, not just repo
    expect(get(4, "acme", "web", "README.md", { agent: "a2" })).toBe("require_approval"); // per agent
    expect(get(5, "acme", "api", ".env")).toBe("block");
    expect(get(6, "acme", "api")).toBe("require_approval"); // still new: the blocked call did not touch it
    expect(get(7, "acme", "api", "README.md", { session: "s2" })).toBe("allow"); // known across sessions
    // A tool without a resource key is never "new".
    expect(e.decide(request(at(T0, 8), "github.search_code", { query: "x" })).effect).toBe("allow");
  });
});

describe("principal is external", () => {
  const b = compile(ORG + `
policy "External" { id external
  if principal is external
  action block "outside the organisation" }`);
  const cases: [string, Record<string, unknown>, boolean][] = [
    ["gmail.send_email", { to: ["bob@acme.com"], subject: "s", body: "mail eve@evil.com" }, false],
    ["gmail.send_email", { to: ["bob@eu.acme.com"], subject: "s", body: "b" }, false],
    ["gmail.send_email", { to: ["Bob <bob@gmail.com>"], subject: "s", body: "b" }, true],
    ["gmail.send_email", { to: ["bob@acme.com"], bcc: ["x@acme.com.evil.io"], subject: "s", body: "b" }, true],
    ["google_drive.share_file", { file_id: "f", email_address: "partner@vendor.io", role: "reader", type: "user" }, true],
    ["google_drive.share_file", { file_id: "f", type: "anyone", role: "reader" }, true],
    ["google_drive.share_file", { file_id: "f", type: "domain", domain: "acme.com", role: "reader" }, false],
    ["dropbox.add_folder_member", { shared_folder_id: "1", members: [{ email: "a@acme.com" }, { email: "b@other.org" }] }, true],
    ["slack.slack_post_message", { channel_id: "C0EXT99", text: "x" }, true],
    ["slack.slack_post_message", { channel_id: "#ext-partner", text: "x" }, true],
    ["slack.slack_post_message", { channel_id: "C0123", text: "x" }, false],
    ["github.create_issue", { owner: "acme", repo: "web", title: "t" }, false],
    ["github.create_issue", { owner: "torvalds", repo: "linux", title: "t" }, true],
    ["github.fork_repository", { owner: "acme", repo: "web", organization: "elsewhere" }, true],
  ];
  for (const [tool, args, ext] of cases) {
    it(`${tool} ${JSON.stringify(args)} → ${ext ? "external" : "internal"}`, () => {
      expect(createEnforcer(b).decide(request(T0, tool, args)).effect).toBe(ext ? "block" : "allow");
    });
  }

  it("without an organization every e-mail address is external", () => {
    const e = createEnforcer(compile(`policy "External" { id external
  if principal is external
  action block }`));
    expect(e.decide(request(T0, "gmail.send_email", { to: ["bob@acme.com"], subject: "s", body: "b" })).effect).toBe("block");
    expect(e.decide(request(T0, "slack.slack_post_message", { channel_id: "C0EXT1", text: "x" })).effect).toBe("allow");
  });

  it("a git push to a github.com remote of another organisation", () => {
    const e = createEnforcer(b);
    const d = e.decide({ type: "tool_call_request", session_id: "s", ts: T0, tenant: "acme", agent: { name: "Cursor" }, call: { id: "g", type: "cli", command: ["git", "push", "https://github.com/evil/web.git", "main"] } });
    expect(d.effect).toBe("block");
  });
});

describe("bad input", () => {
  it("a ts that goes backwards is clamped to the session's last ts, with a note", () => {
    const e = createEnforcer(compile(`policy "Rate" { id rate
  if rate(1m) > 2
  action block }`));
    expect(e.decide(request("2026-11-23T10:05:00Z", "linear.list_issues")).effect).toBe("allow");
    const d = e.decide(request("2026-11-23T10:00:00Z", "linear.list_issues"));
    expect(d.notes?.[0]).toMatch(/clamped/);
    // Both calls sit at 10:05:00, so the third one within the minute is the 3rd.
    expect(e.decide(request("2026-11-23T10:05:30Z", "linear.list_issues")).effect).toBe("block");
    // Another session of the same agent keeps its own clock.
    expect(e.decide(request("2026-11-23T10:00:00Z", "linear.list_issues", {}, { session: "s2" })).notes).toBeUndefined();
  });

  it("never throws: odd events and costs give a block or a note", async () => {
    const e = createEnforcer(compile(`policy "Budget" { id budget
  if spend today > 1 USD
  action block }`));
    expect(e.decide({ type: "tool_call_request", ts: "yesterday" }).effect).toBe("block");
    expect((await e.observe({ type: "tool_call_response", cost: { amount: "5", currency: "USD" } })).ok).toBe(false);
    expect((await e.observe({ type: "message_from_user", text: "hi" })).ok).toBe(true);
    expect((await e.observe(response(T0, "c", { amount: 1, currency: "US" }))).note).toMatch(/unknown currency/);
  });
});
