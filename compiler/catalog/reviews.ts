/**
 * The reviews file of a project (`policy.reviews.json`, schema `schemas/reviews.schema.json`): the
 * review status of each tool and agent (`Approved` | `Unreviewed` | `Disallowed`), who set it and
 * when, and the history of every review. A tool or agent no review names is `Unreviewed`.
 * `policy catalog review` / `policy agent review` write it; the project loader reads it and the
 * build ships the statuses in the bundle (`tool_reviews`, `agent_reviews`).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Diagnostic } from "../../grammar/diagnostic.js";
import { diagnostic } from "../diagnostics/codes.js";
import { LineMap } from "../../grammar/span.js";
import type { ReviewStatus } from "../../runtime/types.js";
import type { Catalog } from "./catalog.js";
import { readJson } from "../json/validate.js";
import { sha256 } from "../policy-body.js";

export const REVIEWS_FILE = "policy.reviews.json";
export { REVIEW_STATUSES } from "../../runtime/language-facts.js";

export interface Review {
  readonly status: ReviewStatus;
  readonly by: string;
  readonly at: string;
  readonly note?: string;
}

export interface ReviewEvent extends Review {
  readonly kind: "tool" | "agent";
  readonly name: string;
  readonly previous: ReviewStatus;
}

export interface ReviewsDoc {
  readonly format: "policy-reviews/1";
  readonly tools: Readonly<Record<string, Review>>;
  readonly agents: Readonly<Record<string, Review>>;
  readonly history: readonly ReviewEvent[];
}

/** What the bundle carries: tool statuses other than `Unreviewed` (keys lower-case), every agent review. */
export interface ReviewStatuses {
  readonly tools: Readonly<Record<string, ReviewStatus>>;
  readonly agents: Readonly<Record<string, ReviewStatus>>;
  /** sha256 of the file's content (recorded in the audit log by each build); null without a file. */
  readonly hash: string | null;
}

export const EMPTY_REVIEWS: ReviewsDoc = { format: "policy-reviews/1", tools: {}, agents: {}, history: [] };

/** Reads the reviews file of a project root: the document (empty when there is none) and diagnostics. */
export function readReviewsFile(root: string, display: (abs: string) => string): { doc: ReviewsDoc; hash: string | null; diagnostics: Diagnostic[] } {
  const file = join(root, REVIEWS_FILE);
  if (!existsSync(file)) return { doc: EMPTY_REVIEWS, hash: null, diagnostics: [] };
  let text: string;
  try { text = readFileSync(file, "utf8"); } catch (e) {
    const span = new LineMap(display(file), "").span(0, 0);
    return { doc: EMPTY_REVIEWS, hash: null, diagnostics: [diagnostic("PDL3020", span, `cannot read ${display(file)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, "check the file's permissions")] };
  }
  const r = readJson<ReviewsDoc>(text, display(file), "reviews.schema.json", "PDL3020");
  return { doc: r.value ?? EMPTY_REVIEWS, hash: r.value ? sha256(text) : null, diagnostics: r.diagnostics };
}

/** The current status of a tool (by catalog key) or an agent (by name). */
export function statusIn(doc: ReviewsDoc, kind: "tool" | "agent", name: string): ReviewStatus {
  const m = kind === "tool" ? doc.tools : doc.agents;
  return Object.prototype.hasOwnProperty.call(m, name) ? m[name]!.status : "Unreviewed";
}

/** The document after one more review: the current entry replaced, the history extended. */
export function recordReview(doc: ReviewsDoc, kind: "tool" | "agent", name: string, review: Review): ReviewsDoc {
  const previous = statusIn(doc, kind, name);
  const entry: Review = { status: review.status, by: review.by, at: review.at, ...(review.note ? { note: review.note } : {}) };
  const current = { ...(kind === "tool" ? doc.tools : doc.agents), [name]: entry };
  const sorted = Object.fromEntries(Object.keys(current).sort().map((k) => [k, current[k]!]));
  return {
    format: "policy-reviews/1",
    tools: kind === "tool" ? sorted : doc.tools,
    agents: kind === "agent" ? sorted : doc.agents,
    history: [...doc.history, { kind, name, ...entry, previous }],
  };
}

export function serializeReviews(doc: ReviewsDoc): string {
  return JSON.stringify(doc, null, 2) + "\n";
}

/**
 * The statuses a bundle carries. A tool review must name a catalog tool (keyed by its lower-case
 * catalog key); one that does not is a warning and is left out, so that a tool an upstream adds
 * later under that name is still `Unreviewed`.
 */
export function reviewStatuses(doc: ReviewsDoc, hash: string | null, catalog: Catalog, file: string): { statuses: ReviewStatuses; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const tools: Record<string, ReviewStatus> = {};
  for (const name of Object.keys(doc.tools).sort()) {
    const t = catalog.tool(name);
    if (!t) {
      diagnostics.push(diagnostic("PDL3021", new LineMap(file, "").span(0, 0), `the review of "${name}" names no catalog tool: it is ignored`, "add the catalog that defines it, or remove the review"));
      continue;
    }
    const s = doc.tools[name]!.status;
    if (s !== "Unreviewed") tools[t.key.toLowerCase()] = s;
  }
  const agents: Record<string, ReviewStatus> = {};
  // Every reviewed agent, Unreviewed included: the enforcement point tells a name the file has seen from a new one.
  for (const name of Object.keys(doc.agents).sort()) agents[name] = doc.agents[name]!.status;
  return { statuses: { tools, agents, hash }, diagnostics };
}
