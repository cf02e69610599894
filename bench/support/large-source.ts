/** A large, varied `.policy` source (the language server's 5,000-line case, shared with the bench). */
const INTEGRATIONS = ["GitHub", "Slack", "Linear", "Jira", "Notion", "Gmail"];
const OPS = ["Read", "Write", "Delete"];

/** About `lines` lines of varied policies and tests. */
export function largeSource(lines: number): string {
  const out: string[] = [];
  for (let i = 0; out.length < lines; i++) {
    const integ = INTEGRATIONS[i % INTEGRATIONS.length];
    out.push(`# policy number ${i}`, `policy "Policy ${i}" {`, `  id p-${i}`, `  priority ${i % 97}`, `  if integration is ${integ}`,
      `  if operation in [${OPS[i % 3]}, ${OPS[(i + 1) % 3]}]`, `  if agent is "agent-${i % 13}"`, `  action ${i % 4 === 0 ? "block" : i % 4 === 1 ? "allow" : "require_approval"} "reason ${i}"`, "}", "");
  }
  return out.slice(0, lines).join("\n") + "\n";
}
