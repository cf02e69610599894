/**
 * `policy catalog review <integration.tool>` and `policy agent review <name>`: set the review status
 * of a tool or an agent in the project's reviews file (`policy.reviews.json`), with who and when;
 * the history keeps every earlier review. `policy agent list` shows the agents' reviews.
 */
import type { Command } from "commander";
import { io } from "../io.js";
import { join } from "node:path";
import { defaultActor } from "../../lifecycle/audit.js";
import { projectRoot } from "../../lifecycle/files.js";
import { readReviewsFile, recordReview, REVIEW_STATUSES, REVIEWS_FILE, serializeReviews, statusIn, type ReviewsDoc } from "../../compiler/catalog/reviews.js";
import { displayPath } from "../../compiler/project.js";
import { oneLine } from "../../compiler/terminal-safe.js";
import type { ReviewStatus } from "../../runtime/types.js";
import type { CatalogTool } from "../../compiler/catalog/catalog.js";
import { collectCatalogs, loadOrExit, writeAtomic } from "../project-io.js";
import { CliError, parseFormat, printJson } from "../output.js";

export interface ReviewOptions {
  readonly status: string;
  readonly by?: string;
  readonly note?: string;
  readonly catalog?: string[];
  readonly format?: string;
}

function parseStatus(s: string): ReviewStatus {
  const hit = REVIEW_STATUSES.find((x) => x.toLowerCase() === s.toLowerCase());
  if (!hit) throw new CliError(`--status must be one of ${REVIEW_STATUSES.join(", ")}, not "${oneLine(s)}"`);
  return hit;
}

/** The reviews file of the project at `paths`; a broken file is refused (nothing is overwritten). */
function openReviews(paths: readonly string[]): { file: string; doc: ReviewsDoc } {
  const root = projectRoot(paths);
  const r = readReviewsFile(root, (abs) => displayPath(abs, process.cwd()));
  const bad = r.diagnostics[0];
  if (bad) throw new CliError(`${bad.span.file}:${bad.span.line}:${bad.span.column}: ${bad.message} (fix the file; nothing was changed)`);
  return { file: join(root, REVIEWS_FILE), doc: r.doc };
}

/** The catalog tool a name means: `integration.tool`, or a bare name that only one integration has. */
function toolNamed(name: string, paths: readonly string[], catalogs: readonly string[] | undefined): CatalogTool {
  const c = loadOrExit(paths, catalogs).project.catalog;
  const found = name.includes(".") ? [c.tool(name)].filter((t): t is CatalogTool => !!t) : c.toolsNamed(name);
  if (found.length === 1) return found[0]!;
  if (found.length > 1) throw new CliError(`"${oneLine(name)}" is ambiguous: ${found.map((t) => t.key).join(", ")} (write integration.tool)`);
  throw new CliError(`unknown tool "${oneLine(name)}": no catalog of this project has it (see \`policy catalog list\`; add the catalog with --catalog or in policy.config.json)`);
}

export function runReview(kind: "tool" | "agent", name: string, paths: readonly string[], o: ReviewOptions): void {
  const format = parseFormat(o.format);
  const status = parseStatus(o.status);
  const by = (o.by ?? defaultActor()).trim();
  if (!by) throw new CliError("--by names who reviewed it: it must not be empty");
  const key = kind === "tool" ? toolNamed(name, paths, o.catalog).key : name;
  if (kind === "agent" && !key) throw new CliError("the agent name must not be empty (an agent that gives no name is decided as \"\", always Unreviewed)");
  const { file, doc } = openReviews(paths);
  const previous = statusIn(doc, kind, key);
  const next = recordReview(doc, kind, key, { status, by, at: new Date().toISOString(), ...(o.note ? { note: o.note } : {}) });
  writeAtomic(file, serializeReviews(next));
  const shown = displayPath(file, process.cwd());
  if (format === "json") printJson({ kind, name: key, status, previous, by, file: shown });
  else io().stdout.write(`${kind} ${oneLine(key)}: ${previous} → ${status} (by ${oneLine(by)}) in ${shown}\nrebuild the bundle (policy build) for the enforcement point to use it\n`);
}

function reviewCommand(parent: Command, kind: "tool" | "agent"): void {
  parent.command("review").description(kind === "tool" ? "set a tool's review status (Approved, Unreviewed, Disallowed) in policy.reviews.json" : "set an agent's review status (Approved, Unreviewed, Disallowed) in policy.reviews.json")
    .argument(kind === "tool" ? "<tool>" : "<name>", kind === "tool" ? "integration.tool (or a bare name only one integration has)" : "the agent's name, exactly as its MCP client gives it")
    .argument("[paths...]", "the project (default: .)")
    .requiredOption("--status <status>", "Approved, Unreviewed or Disallowed")
    .option("--by <name>", "who reviewed it (default: $POLICY_ACTOR, else the OS user)")
    .option("--note <text>", "why, kept in the history")
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .option("--format <format>", "text or json", "text")
    .action((name: string, paths: string[], o: ReviewOptions) => runReview(kind, name, paths, o));
}

/** `policy catalog review …` (called from the catalog command). */
export function registerToolReview(catalog: Command): void {
  reviewCommand(catalog, "tool");
}

export function register(program: Command): void {
  const agent = program.command("agent").description("review the agents that use the enforcement point");
  reviewCommand(agent, "agent");
  agent.command("list").description("the agents the reviews file names, with their status and who reviewed them")
    .argument("[paths...]", "the project (default: .)")
    .option("--format <format>", "text or json", "text")
    .action((paths: string[], o: { format?: string }) => {
      const format = parseFormat(o.format);
      const { doc } = openReviews(paths);
      if (format === "json") { printJson(doc.agents); return; }
      const names = Object.keys(doc.agents);
      if (!names.length) io().stdout.write("no agent has been reviewed: every agent is Unreviewed\n");
      for (const n of names) { const r = doc.agents[n]!; io().stdout.write(`${oneLine(n).padEnd(24)} ${r.status.padEnd(10)} by ${oneLine(r.by)} at ${r.at}\n`); }
    });
}
