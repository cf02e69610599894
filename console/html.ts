/**
 * HTML the console renders: a tagged template whose every interpolated value is escaped, unless it
 * is already `Html` (built by this same template). Agent names, tool arguments, reasons, notes,
 * policy text and log lines are all untrusted; they reach a page only through here.
 * INVARIANT: a string interpolated into `html\`…\`` is made inert twice over: its control, format
 * and line-separator characters become visible escapes (`oneLine`/`keepLines`, the same rule as the
 * terminal review screen: an ANSI escape shows as `\u{1b}`, a bidi override as `\u{202e}`), then
 * `& < > " '` become entities, so it can neither add markup nor disguise itself.
 */
import escapeHtml from "escape-html";
import { keepLines, oneLine } from "../compiler/terminal-safe.js";

/** Markup that is safe to insert as is (only `html`, `multiline` and `join` make it). */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function piece(v: Value): string {
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return (v as readonly Value[]).map(piece).join("");
  if (v === null || v === undefined || v === false) return "";
  return escapeHtml(oneLine(String(v)));
}

/** The template: literal parts are ours, interpolated values are escaped. */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += piece(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Text of several lines by design (pretty JSON): line feeds and tabs kept, all else inert. */
export function multiline(text: string): Html {
  return new Html(escapeHtml(keepLines(text)));
}

/** Joins pieces of markup. */
export function join(items: readonly Html[], sep = ""): Html {
  return new Html(items.map((i) => i.text).join(sep));
}
