/** Fixture workspace for the language-server tests (sources with `‸` / `⟨…⟩` markers). */
export const CONFIG = JSON.stringify({ catalogs: ["catalogs/acme.json"] }, null, 2);

export const ACME_CATALOG = JSON.stringify({
  format: "policy-catalog/1",
  integrations: [{
    id: "acme_crm", name: "Acme CRM", call_type: "mcp",
    tools: [{
      name: "delete_contact", description: "Deletes a contact", operation: "Delete", labels: ["private_data"], resource: "contact_id",
      args: { type: "object", properties: { contact_id: { type: "string" }, mode: { type: "string", enum: ["soft", "hard"] }, owner: { type: "object", properties: { email: { type: "string" } } } }, required: ["contact_id"] },
    }],
  }],
}, null, 2);

export const GITHUB = `policy "GitHub read only" {
  id ⟨github-readonly⟩
  priority 10
  if integration is GitHub
  if tool is ⟨merge_pull_request⟩
  if args.merge_method is "squash"
  action block "no merges by agents"
}

policy "Typo" {
  id typo
  if integration is ⟨Githb⟩
  action block
}
`;

export const TESTS = `test "merges are blocked" {
  call github.merge_pull_request { owner: "acme", repo: "web", pullNumber: 1, merge_method: "squash" }
  expect block by ⟨github-readonly⟩
  call github.merge_pull_request { owner: "acme", repo: "web", pullNumber: 1, merge_method: "merge" }
  expect allow
}
`;
