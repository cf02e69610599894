/**
 * chevrotain, loaded from the single-file ES module build its package ships
 * (`lib/chevrotain.mjs`, lodash inlined) rather than its package entry, which imports ~640 separate
 * lodash-es modules: every process that parses `.policy` text starts about 0.5 CPU-second sooner.
 * The package's `exports` name only its entry, so the file is found beside it; when it is missing,
 * the entry is loaded. The grammar imports chevrotain only through this module, so there is one
 * copy (token types such as `EOF` are compared by identity).
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

type Chevrotain = typeof import("chevrotain");

async function load(): Promise<Chevrotain> {
  try {
    const entry = createRequire(import.meta.url).resolve("chevrotain"); // <package>/lib/src/api.js
    return (await import(pathToFileURL(join(dirname(entry), "../chevrotain.mjs")).href)) as Chevrotain;
  } catch {
    return await import("chevrotain");
  }
}

const chevrotain = await load();

export const { createToken, CstParser, EOF, Lexer } = chevrotain;
export type { CstElement, CstNode, IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
