/** `policy init [dir]`: a starter project that passes its own tests. */
import type { Command } from "commander";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliError } from "../output.js";
import { io } from "../io.js";

const STARTER = `# Starter policies. Run \`npx policy test\` to check them, \`npx policy build -o bundle.json\` to ship them.

policy "GitHub is read-only for agents" {
  id github-readonly
  priority 10
  if integration is GitHub
  if operation in [Write, Delete]
  action block "GitHub is read-only for agents"
}

policy "Deleting a Linear issue needs approval" {
  id linear-delete-approval
  if integration is Linear
  if tool is delete_issue
  action require_approval "Deleting an issue needs a human" from [technician]
}

policy "Alert when an unsanctioned agent appears" {
  id disallowed-agent-alert
  when agent_discovered
  if agent.review_status is Disallowed
  action alert "An unsanctioned agent was discovered" to "#security"
}

default by operation { Read: allow  Write: require_approval  Delete: require_approval  Unknown: block }

test "GitHub writes are blocked, reads are allowed" {
  given agent "Cursor"
  call github.create_issue { owner: "acme", repo: "web", title: "Bug" }
  expect block by github-readonly
  call github.list_issues { owner: "acme", repo: "web" }
  expect allow
}

test "Linear deletions wait for a technician" {
  call linear.delete_issue { id: "LIN-42" }
  expect require_approval by linear-delete-approval
}

test "A disallowed agent raises an alert" {
  discover agent "Windsurf" review_status Disallowed
  expect alert "An unsanctioned agent was discovered"
}
`;

export function register(program: Command): void {
  program.command("init").description("create a starter project (policies with tests)")
    .argument("[dir]", "where (default: .)", ".")
    .action((dir: string) => {
      const file = join(dir, "policies", "starter.policy");
      const config = join(dir, "policy.config.json");
      for (const f of [file, config]) if (existsSync(f)) throw new CliError(`${f} already exists: not overwriting it`);
      mkdirSync(join(dir, "policies"), { recursive: true });
      writeFileSync(file, STARTER);
      writeFileSync(config, JSON.stringify({ catalogs: [] }, null, 2) + "\n");
      io().stdout.write(`created ${config} and ${file}\nnext: npx policy test ${dir === "." ? "" : dir}\n`);
    });
}
