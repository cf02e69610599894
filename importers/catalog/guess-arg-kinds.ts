/**
 * Import's guess of which arguments are file paths and URLs (`arg_kinds`), from their names and
 * schemas: a string (or an array of strings) whose name ends in a path word (`path`, `paths`,
 * `file`, `filename`, `dir`, `directory`, `folder`, `source`, `destination`, `cwd`) or a URL word
 * (`url`, `uri`, `href`, `link`), or whose schema says `format: uri`. Enumerations are never paths
 * (`sort_dir: asc | desc`), nor are ids (`file_id`). Objects and arrays of objects are looked into
 * (`files[*].path`, `edits[*].path`), two levels deep. Every guess carries its reason for the report.
 */
import type { ArgKind, JsonSchema } from "../../compiler/catalog/types.js";
import { tokenizeName } from "./tokens.js";

export interface ArgKindGuess {
  /** An `arg_kinds` key: `path`, `paths[*]`, `files[*].path`. */
  readonly path: string;
  readonly kind: ArgKind;
  readonly reason: string;
}

const PATH_WORDS: ReadonlySet<string> = new Set(["path", "paths", "file", "files", "filename", "filenames", "filepath", "dir", "dirs", "directory", "directories", "folder", "folders", "source", "destination", "cwd"]);
const URL_WORDS: ReadonlySet<string> = new Set(["url", "urls", "uri", "uris", "href", "link", "links"]);
const URL_FORMATS: ReadonlySet<string> = new Set(["uri", "url", "iri", "uri-reference"]);
const MAX_DEPTH = 2;

const typeOf = (s: JsonSchema | undefined): string | undefined => (typeof s?.type === "string" ? s.type : undefined);

/** What a string schema named `name` holds, if a path or a URL. */
function kindOf(name: string, s: JsonSchema): { kind: ArgKind; reason: string } | undefined {
  if (s.enum) return undefined;
  const format = (s as { format?: unknown }).format;
  if (typeof format === "string" && URL_FORMATS.has(format)) return { kind: "url", reason: `format: ${format}` };
  const words = tokenizeName(name).map((t) => t.text.toLowerCase());
  const last = words[words.length - 1] ?? name.toLowerCase();
  if (URL_WORDS.has(last)) return { kind: "url", reason: `name '${name}'` };
  if (PATH_WORDS.has(last)) return { kind: "path", reason: `name '${name}'` };
  return undefined;
}

function walk(props: Readonly<Record<string, JsonSchema>>, prefix: string, depth: number, out: ArgKindGuess[]): void {
  for (const [name, s] of Object.entries(props)) {
    const at = prefix ? `${prefix}.${name}` : name;
    const t = typeOf(s);
    if (t === "string") {
      const k = kindOf(name, s);
      if (k) out.push({ path: at, ...k });
    } else if (t === "array" && s.items && !Array.isArray(s.items)) {
      const it = s.items as JsonSchema;
      if (typeOf(it) === "string") { const k = kindOf(name, it); if (k) out.push({ path: `${at}[*]`, ...k }); }
      else if (typeOf(it) === "object" && it.properties && depth < MAX_DEPTH) walk(it.properties, `${at}[*]`, depth + 1, out);
    } else if (t === "object" && s.properties && depth < MAX_DEPTH) walk(s.properties, at, depth + 1, out);
  }
}

/** The path and URL arguments of a tool, guessed from its argument schema. */
export function guessArgKinds(args: JsonSchema | undefined): ArgKindGuess[] {
  const out: ArgKindGuess[] = [];
  if (args?.properties) walk(args.properties, "", 0, out);
  return out;
}
