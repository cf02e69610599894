/**
 * Session facts from tool responses: what a `tool_call_response` carried becomes session state.
 * The data classes some policy tests with `session has seen <CLASS>` are looked for in every string
 * of the response's `result` (and only those classes, and only when some policy tests one: decided
 * when the bundle loads); each class found is recorded as the session label `seen:<CLASS>`.
 * A response in which PROMPT_INJECTION is found is untrusted content: it records the
 * `untrusted_content` label, as a call to a tool with that label does (the lethal trifecta's first
 * leg), when some policy tests `session has untrusted_content`.
 */
import type { CExpr } from "./types.js";
import { classesIn, type Detector } from "./detectors.js";

export const seenLabel = (cls: string): string => `seen:${cls}`;
/** The session label of a mark a message from the user set (`mark "reviewed"`). */
export const markLabel = (mark: string): string => `mark:${mark}`;

/** What the bundle's conditions read from responses: the classes to look for, and whether injected text counts as untrusted. */
export interface SeenWanted {
  readonly classes: ReadonlySet<string>;
  /** `session has untrusted_content` is tested: a response with PROMPT_INJECTION records the label. */
  readonly untrusted: boolean;
}

/** The classes of `session has seen`, plus PROMPT_INJECTION when `session has untrusted_content` is tested. */
export function seenWanted(exprs: readonly CExpr[]): SeenWanted {
  const classes = new Set<string>();
  let untrusted = false;
  const walk = (e: CExpr): void => {
    if (e.k === "and" || e.k === "or") e.items.forEach(walk);
    else if (e.k === "not") walk(e.x);
    else if (e.k === "session_seen") classes.add(e.cls);
    else if (e.k === "session_label" && e.label === "untrusted_content") { classes.add("PROMPT_INJECTION"); untrusted = true; }
  };
  exprs.forEach(walk);
  return { classes, untrusted };
}

const MAX_DEPTH = 64;
const MAX_STRINGS = 100_000;

/** Every string in a response's result (keys excluded); false when the bounds cut the walk short. */
export function resultStrings(v: unknown, out: string[] = [], depth = 0): boolean {
  if (depth > MAX_DEPTH || out.length >= MAX_STRINGS) return false;
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) { for (const x of v) if (!resultStrings(x, out, depth + 1)) return false; }
  else if (v !== null && typeof v === "object") { for (const k of Object.keys(v)) if (!resultStrings((v as Record<string, unknown>)[k], out, depth + 1)) return false; }
  return true;
}

/**
 * The session labels a response's result records: `seen:<CLASS>` for each wanted class found, and
 * `untrusted_content` when PROMPT_INJECTION is found and untrusted content is tested.
 */
export function responseLabels(wanted: SeenWanted, detectors: readonly Detector[], result: unknown): string[] {
  if (!wanted.classes.size || result === undefined) return [];
  const strings: string[] = [];
  // A result too deep or too large to walk whole counts as carrying every class looked for (fail closed).
  const found = resultStrings(result, strings) ? classesIn(detectors, strings, wanted.classes) : new Set(wanted.classes);
  const out = [...found].sort().map(seenLabel);
  if (wanted.untrusted && found.has("PROMPT_INJECTION")) out.push("untrusted_content");
  return out;
}
