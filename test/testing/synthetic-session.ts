/**
 * A large synthetic session file for the replay throughput benchmark: `n` events spread over
 * sessions of 1,000 events (requests, responses with cost, user messages; MCP and CLI calls, some
 * tools unknown to the catalog), written in chunks so the generator itself runs in constant memory.
 * Run: `node --import tsx test/testing/synthetic-session.ts <file> [n]`.
 */
import { closeSync, openSync, writeSync } from "node:fs";

const CALLS: readonly object[] = [
  { type: "mcp", integration: "github", tool: "list_issues", args: { owner: "northwind", repo: "web", state: "OPEN" } },
  { type: "mcp", integration: "github", tool: "get_issue", args: { owner: "northwind", repo: "web", issue_number: 482 } },
  { type: "mcp", integration: "github", tool: "add_issue_comment", args: { owner: "northwind", repo: "web", issue_number: 482, body: "Looks like #471" } },
  { type: "mcp", integration: "github", tool: "merge_pull_request", args: { owner: "northwind", repo: "web", pullNumber: 317 } },
  { type: "cli", command: ["git", "status"] },
  { type: "cli", command: ["git", "push", "origin", "main"] },
  { type: "cli", command: ["git", "push", "--force", "origin", "main"] },
  { type: "mcp", integration: "aws_iam", tool: "create_access_key", args: { user_name: "m.lopez" } },
  { type: "mcp", integration: "datadog", tool: "mute_host", args: { hostname: "db-replica-3" } },
  { type: "mcp", integration: "playwright", tool: "browser_navigate", args: { url: "https://example.com" } },
];
const AGENTS = ["triage-bot", "codex-cli", "msp-copilot"];

/** Writes `n` events to `path`; returns the number of sessions. */
export function writeSyntheticSession(path: string, n: number, perSession = 1000): number {
  const fd = openSync(path, "w");
  const t0 = Date.parse("2026-11-21T08:00:00Z");
  let buf: string[] = [];
  let sessions = 0;
  try {
    for (let i = 0; i < n; i++) {
      const s = Math.floor(i / perSession);
      const seq = (i % perSession) + 1;
      if (seq === 1) sessions++;
      const agentName = AGENTS[s % AGENTS.length]!;
      const base = `"session_id":"s${s}","seq":${seq},"ts":"${new Date(t0 + s * 60_000 + seq * 2000).toISOString()}","tenant":"t${s % 40}","agent":{"id":"a${s % 7}","name":"${agentName}"}`;
      const k = seq % 5;
      let line: string;
      if (k === 0) line = `{"type":"tool_call_response",${base},"call_id":"c${seq - 1}","result":{"ok":true},"cost":{"amount":0.01,"currency":"USD"}}`;
      else if (k === 4 && seq % 20 === 4) line = `{"type":"message_from_user",${base},"text":"please continue"}`;
      else line = `{"type":"tool_call_request",${base},"call":${JSON.stringify({ id: `c${seq}`, ...CALLS[(seq * 7 + s) % CALLS.length]! })}}`;
      buf.push(line);
      if (buf.length >= 10_000) { writeSync(fd, buf.join("\n") + "\n"); buf = []; }
    }
    if (buf.length) writeSync(fd, buf.join("\n") + "\n");
  } finally {
    closeSync(fd);
  }
  return sessions;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const [file, n] = process.argv.slice(2);
  if (!file) { process.stderr.write("usage: synthetic-session.ts <file> [events]\n"); process.exit(2); }
  const sessions = writeSyntheticSession(file, Number(n ?? 1_000_000));
  process.stdout.write(`wrote ${file}: ${n ?? 1_000_000} events, ${sessions} sessions\n`);
}
