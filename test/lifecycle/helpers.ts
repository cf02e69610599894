/** Shared helpers of the lifecycle tests: check a project from sources with the built-in catalog. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCatalog } from "../../compiler/catalog/load.js";
import { checkProject } from "../../compiler/check/index.js";
import type { CheckedProject } from "../../compiler/model.js";

const { catalog } = loadCatalog([]);

export function project(files: Record<string, string>): CheckedProject {
  return checkProject(Object.entries(files).map(([file, text]) => ({ file, text })), catalog);
}

export function tempDir(prefix = "policy-lifecycle-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const GITHUB = `# GitHub stays read-only
policy "GitHub is read-only" {
  id github-readonly
  version 1
  priority 10
  if integration is GitHub
  if operation in [Write, Delete]
  action block "GitHub is read-only"
}

policy "Linear deletions need approval" {
  id linear-delete
  if integration is Linear
  if tool is delete_issue
  action require_approval "needs a human"
}
`;
