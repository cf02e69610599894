/**
 * Operation classification (SPEC §3): MCP annotations first, then the HTTP method (refined by
 * the verb), then verb analysis of the name; nothing recognised → `Unknown`.
 * The verb rule: the FIRST word of the name that is a known verb decides; verbs joined to it by
 * `or`/`and`/`then` take part (the most severe wins); a carrier verb (`run`, `execute`, …)
 * followed by a Delete verb or a deletion noun makes the action a Delete. A Delete verb anywhere
 * else (`get_delete_status`, `add_removal_reviewer`) is an object, not the action.
 */
import type { Operation } from "../../compiler/catalog/types.js";
import { tokenizeName, type NameToken } from "./tokens.js";
import {
  AMBIGUOUS_VERBS, CARRIER_VERBS, CONNECTORS, DELETION_NOUNS, IDENTIFIER_NOUNS, LOOKUP_VERBS, NOUN_COMPOUNDS, READ_NOUNS,
  moreSevere, verbOperation, type VerbOperation,
} from "./verbs.js";

/** MCP tool annotations (MCP 2025-03-26 and later); only the hints we read. */
export interface ToolAnnotations {
  readonly title?: string;
  readonly readOnlyHint?: boolean;
  readonly destructiveHint?: boolean;
  readonly idempotentHint?: boolean;
  readonly openWorldHint?: boolean;
}

/** How an operation was decided. */
export type OperationSource = "annotation" | "method" | "verb" | "override" | "unknown";

/** What classification needs to know about one tool. */
export interface ClassifyInput {
  /** The tool name (`create_or_update_file`, `getJiraIssue`, `chat.postMessage`). */
  readonly name: string;
  /** Integration id; its words are skipped as a prefix (`slack_post_message`). */
  readonly integration?: string;
  readonly annotations?: ToolAnnotations;
  /** HTTP method (OpenAPI). */
  readonly method?: string;
  /** Text for verb analysis when it differs from `name` (an OpenAPI operationId or path). */
  readonly verbText?: string;
}

/** The result of classification. */
export interface Classification {
  readonly operation: Operation;
  readonly source: OperationSource;
  /** Every verb found in the name, in order, without repeats. */
  readonly verbs: string[];
  /** True when the decision rests on the name (a guess), false for annotations and plain methods. */
  readonly guessed: boolean;
  /** One sentence: why this operation. */
  readonly reason: string;
  /** Disagreements worth a look (an annotation that contradicts the name's verb, …). */
  readonly notes: string[];
}

/** The verb analysis of a name. */
export interface VerbAnalysis {
  readonly operation: VerbOperation | undefined;
  readonly verbs: string[];
  /** The verb (or read-only noun) that decided, if any. */
  readonly decidedBy: string | undefined;
  readonly reason: string;
  readonly tokens: NameToken[];
}

function isVerbAt(tokens: readonly NameToken[], k: number): boolean {
  const t = tokens[k]!;
  if (verbOperation(t.text) === undefined) return false;
  const next = tokens[k + 1]?.text;
  if (next !== undefined && NOUN_COMPOUNDS.get(t.text)?.has(next) === true) return false;
  if (!AMBIGUOUS_VERBS.has(t.text) || t.segmentStart) return true;
  // An ambiguous word is still a verb right after a connector or a carrier verb.
  const prev = tokens[k - 1]?.text;
  if (prev === undefined) return false;
  if (CONNECTORS.has(prev) && k >= 2 && isVerbAt(tokens, k - 2)) return true;
  return CARRIER_VERBS.has(prev) && isVerbAt(tokens, k - 1);
}

/** Verb analysis of a name alone (the third step of classification). */
export function analyseVerbs(name: string, integration?: string): VerbAnalysis {
  const tokens = tokenizeName(name, integration);
  const positions: number[] = [];
  for (let k = 0; k < tokens.length; k++) if (isVerbAt(tokens, k)) positions.push(k);
  const verbs = [...new Set(positions.map((k) => tokens[k]!.text))];
  const first = positions[0];
  if (first === undefined) {
    const noun = tokens.find((t) => READ_NOUNS.has(t.text));
    if (noun !== undefined) {
      return { operation: "Read", verbs, decidedBy: noun.text, tokens,
        reason: `no verb; '${noun.text}' names a read-only view` };
    }
    return { operation: undefined, verbs, decidedBy: undefined, tokens, reason: "no known verb in the name" };
  }
  const firstVerb = tokens[first]!.text;
  let op = verbOperation(firstVerb)!;
  let reason = `first verb '${firstVerb}' is ${op}`;
  // Coordinated verbs: create_or_update, list_and_delete → the most severe.
  let j = first;
  while (CONNECTORS.has(tokens[j + 1]?.text ?? "") && j + 2 < tokens.length && positions.includes(j + 2)) {
    const other = tokens[j + 2]!.text;
    const joined = moreSevere(op, verbOperation(other)!);
    if (joined !== op) reason = `'${firstVerb}' joined with '${other}' (${joined})`;
    op = joined;
    j += 2;
  }
  // Carrier verbs: execute_delete, request_deletion → Delete.
  const object = tokens[first + 1]?.text;
  if (op === "Write" && CARRIER_VERBS.has(firstVerb) && object !== undefined &&
      (verbOperation(object) === "Delete" || DELETION_NOUNS.has(object))) {
    op = "Delete";
    reason = `'${firstVerb}' carries '${object}' (Delete)`;
  }
  // Lookups: resolve-library-id, resolve_user_name → Read (an identifier is found, nothing changes).
  const last = tokens[tokens.length - 1]?.text;
  if (op === "Write" && LOOKUP_VERBS.has(firstVerb) && j === first && last !== undefined && tokens.length - 1 > first && IDENTIFIER_NOUNS.has(last)) {
    op = "Read";
    reason = `'${firstVerb}' of an identifier ('${last}') is a lookup (Read)`;
  }
  return { operation: op, verbs, decidedBy: firstVerb, reason, tokens };
}

const READ_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);

function classifyByMethod(method: string, v: VerbAnalysis): Classification | undefined {
  const m = method.toUpperCase();
  const notes: string[] = [];
  if (READ_METHODS.has(m)) {
    if (v.operation !== undefined && v.operation !== "Read") {
      notes.push(`${m} is Read but the name's verb '${v.decidedBy}' says ${v.operation}`);
    }
    return { operation: "Read", source: "method", verbs: v.verbs, guessed: false, reason: `HTTP ${m}`, notes };
  }
  if (m === "DELETE") {
    return { operation: "Delete", source: "method", verbs: v.verbs, guessed: false, reason: "HTTP DELETE", notes };
  }
  if (m === "POST") {
    if (v.operation === undefined || v.operation === "Write") {
      return { operation: "Write", source: "method", verbs: v.verbs, guessed: false, reason: "HTTP POST", notes };
    }
    return { operation: v.operation, source: "method", verbs: v.verbs, guessed: true,
      reason: `HTTP POST refined by the verb: ${v.reason}`, notes };
  }
  if (m === "PUT" || m === "PATCH") {
    if (v.operation === "Delete") {
      return { operation: "Delete", source: "method", verbs: v.verbs, guessed: true,
        reason: `HTTP ${m} refined by the verb: ${v.reason}`, notes };
    }
    return { operation: "Write", source: "method", verbs: v.verbs, guessed: false, reason: `HTTP ${m}`, notes };
  }
  return undefined;
}

function classifyByAnnotations(a: ToolAnnotations, v: VerbAnalysis): Classification | undefined {
  const notes: string[] = [];
  const differs = (op: Operation): void => {
    if (v.operation !== undefined && v.operation !== op) {
      notes.push(`annotations say ${op} but the name's verb '${v.decidedBy}' says ${v.operation}`);
    }
  };
  if (a.readOnlyHint === true) {
    differs("Read");
    return { operation: "Read", source: "annotation", verbs: v.verbs, guessed: false, reason: "readOnlyHint: true", notes };
  }
  if (a.destructiveHint === true) {
    differs("Delete");
    return { operation: "Delete", source: "annotation", verbs: v.verbs, guessed: false, reason: "destructiveHint: true", notes };
  }
  if (a.readOnlyHint === false && a.destructiveHint === false) {
    differs("Write");
    return { operation: "Write", source: "annotation", verbs: v.verbs, guessed: false,
      reason: "readOnlyHint: false, destructiveHint: false", notes };
  }
  if (a.readOnlyHint === false) {
    // Not read-only, destructiveness unstated: the verb may say Delete; otherwise Write.
    if (v.operation === "Delete") {
      return { operation: "Delete", source: "verb", verbs: v.verbs, guessed: true,
        reason: `readOnlyHint: false; ${v.reason}`, notes };
    }
    differs("Write");
    return { operation: "Write", source: "annotation", verbs: v.verbs, guessed: false, reason: "readOnlyHint: false", notes };
  }
  return undefined;
}

/**
 * Classify one tool. Never throws; always returns one of Read, Write, Delete, Unknown.
 * A bare string is taken as the tool name.
 */
export function classify(input: ClassifyInput | string): Classification {
  const i: ClassifyInput = typeof input === "string" ? { name: input } : input;
  const v = analyseVerbs(i.verbText ?? i.name, i.integration);
  if (i.annotations !== undefined) {
    const byAnnotation = classifyByAnnotations(i.annotations, v);
    if (byAnnotation !== undefined) return byAnnotation;
  }
  const method = i.method ?? methodPrefix(v.tokens);
  if (method !== undefined) {
    const byMethod = classifyByMethod(method, i.method === undefined ? analyseVerbs(dropFirstWord(i.verbText ?? i.name, v.tokens), i.integration) : v);
    if (byMethod !== undefined && i.method === undefined) {
      return capByAnnotations({ ...byMethod, source: "verb", guessed: true, verbs: v.verbs,
        reason: `the name starts with the HTTP method '${method.toLowerCase()}': ${byMethod.reason}` }, i.annotations);
    }
    if (byMethod !== undefined) return capByAnnotations(byMethod, i.annotations);
  }
  if (v.operation !== undefined) {
    return capByAnnotations(
      { operation: v.operation, source: "verb", verbs: v.verbs, guessed: true, reason: v.reason, notes: [] },
      i.annotations);
  }
  return { operation: "Unknown", source: "unknown", verbs: v.verbs, guessed: false, reason: v.reason, notes: [] };
}

const METHOD_WORDS: ReadonlySet<string> = new Set(["post", "put", "patch"]);

/**
 * Names generated from HTTP APIs start with the method (`API-post-search`, `API-patch-page`):
 * a leading post/put/patch followed by an unambiguous verb is the method, refined by that verb
 * (`post_message` stays the verb `post`: `message` is as often a noun).
 */
function methodPrefix(tokens: readonly NameToken[]): string | undefined {
  const [first, second] = tokens;
  if (first === undefined || second === undefined || !METHOD_WORDS.has(first.text)) return undefined;
  if (verbOperation(second.text) === undefined || AMBIGUOUS_VERBS.has(second.text)) return undefined;
  return first.text.toUpperCase();
}

/** The name without the method word, for verb analysis of the rest. */
function dropFirstWord(name: string, tokens: readonly NameToken[]): string {
  return tokens.slice(1).map((t) => t.text).join("_") || name;
}

/** `destructiveHint: false` alone rules out Delete: a Delete guess becomes Write. */
function capByAnnotations(c: Classification, a: ToolAnnotations | undefined): Classification {
  if (a?.destructiveHint !== false || c.operation !== "Delete") return c;
  return { ...c, operation: "Write", reason: `${c.reason}; capped at Write by destructiveHint: false`,
    notes: [...c.notes, "destructiveHint: false contradicts a Delete verb"] };
}
