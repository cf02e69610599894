/** `policy init [dir]`: a starter project that passes its own tests. */
import type { Command } from "commander";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliError } from "../output.js";
import { io } from "../io.js";
import { defaultActor } from "../../lifecycle/audit.js";
import { EMPTY_REVIEWS, recordReview, REVIEWS_FILE, serializeReviews } from "../../compiler/catalog/reviews.js";

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

# Review status: \`policy catalog review github.list_issues --status Approved --by you\` (policy.reviews.json).
# A tool no review names is Unreviewed, and so is a tool whose live definition (description,
# schemas) differs from the one its catalog pinned: \`policy enforce\` compares them.
policy "Unreviewed tools need approval" {
  id unreviewed-tools
  priority 90
  if tool.review_status is Unreviewed
  if operation in [Read, Write]
  action require_approval "This tool has not been reviewed, or its definition changed since it was: approve the call, or review the tool" from [technician]
}

policy "Disallowed tools are hidden" {
  id disallowed-tools
  if tool.review_status is Disallowed
  action hide
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

test "Only reviewed tools run without approval" {
  call github.list_issues { owner: "acme", repo: "web" }
  expect allow
  call linear.list_issues {}
  expect require_approval by unreviewed-tools
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
      const reviews = join(dir, REVIEWS_FILE);
      for (const f of [file, config, reviews]) if (existsSync(f)) throw new CliError(`${f} already exists: not overwriting it`);
      mkdirSync(join(dir, "policies"), { recursive: true });
      writeFileSync(file, STARTER);
      writeFileSync(config, JSON.stringify({ catalogs: [] }, null, 2) + "\n");
      writeFileSync(reviews, serializeReviews(recordReview(EMPTY_REVIEWS, "tool", "github.list_issues", { status: "Approved", by: defaultActor(), at: new Date().toISOString(), note: "read-only listing (policy init)" })));
      io().stdout.write(`created ${config} and ${file}\nnext: npx policy test ${dir === "." ? "" : dir}\n`);
    });
}
