/**
 * The chevrotain lexer: token definitions for the `.policy` language.
 * Keywords are tokens with `longer_alt: Name`, so `id`/`scope` stay keywords but `ident-x` is a Name.
 */
import { createToken, Lexer, type TokenType } from "./chevrotain.js";

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: "Comment", pattern: /#[^\r\n]*/, group: "comments" });

/** A name, dotted name, or argument path: after a dotted segment, `[3]` / `[*]` / `[all]` index into arrays (`args.paths[*]`). */
export const Name = createToken({
  name: "Name",
  pattern: /[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*(?:\[(?:0|[1-9][0-9]{0,8}|\*|all)\])*)*/,
  label: "a name",
});

function kw(word: string, name?: string): TokenType {
  return createToken({ name: name ?? word[0]!.toUpperCase() + word.slice(1), pattern: new RegExp(`${word}(?![A-Za-z0-9_.-])`), longer_alt: Name, label: `'${word}'` });
}

// Declarations
export const Policy = kw("policy");
export const Test = kw("test");
export const Default = kw("default");
export const Detector = kw("detector");
export const Organization = kw("organization");
// Policy header
export const Id = kw("id");
export const Scope = kw("scope");
export const Status = kw("status");
export const Version = kw("version");
export const Priority = kw("priority");
export const Description = kw("description");
export const When = kw("when");
export const If = kw("if");
export const Action = kw("action");
export const From = kw("from");
export const To = kw("to");
export const Class = kw("class");
// Condition operators
export const And = kw("and");
export const Or = kw("or");
export const Not = kw("not");
export const Is = kw("is");
export const In = kw("in");
export const Matches = kw("matches");
export const Contains = kw("contains");
export const Any = kw("any");
export const All = kw("all");
export const Has = kw("has");
export const Called = kw("called");
/** `session has seen SECRETS`. */
export const Seen = kw("seen");
export const Exists = kw("exists");
export const Within = kw("within");
export const Under = kw("under");
export const Tz = kw("tz");
/** `command starts with "…"`. */
export const Starts = kw("starts");
export const With = kw("with");
// Tests
export const Given = kw("given");
export const Call = kw("call");
export const Run = kw("run");
export const Discover = kw("discover");
export const Respond = kw("respond");
/** `message to user "…"` · `message from user "…"` (a test step). */
export const Message = kw("message");
export const Expect = kw("expect");
export const Replay = kw("replay");
export const By = kw("by");
export const For = kw("for");
export const Event = kw("event");
export const Calls = kw("calls");
export const No = kw("no");

export const StringLit = createToken({ name: "StringLit", pattern: /"(?:[^"\\\r\n]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/, label: "a string" });
/** An unterminated string: lexed as a token so that the parser can report it precisely. */
/** A string the lexer cannot take: unterminated, or closed but with an escape JSON does not know. */
export const BadString = createToken({ name: "BadString", pattern: /"(?:[^"\\\r\n]|\\.)*"?/, label: "an unterminated string" });
export const Duration = createToken({ name: "Duration", pattern: /\d+(?:ms|s|m|h|d)(?![A-Za-z0-9_])/, label: "a duration" });
export const NumberLit = createToken({ name: "NumberLit", pattern: /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/, label: "a number" });
export const Regex = createToken({ name: "Regex", pattern: /\/(?:[^/\\\r\n]|\\[^\r\n])+\/[a-z]*/, label: "a /regex/" });

export const LCurly = createToken({ name: "LCurly", pattern: /\{/, label: "'{'" });
export const RCurly = createToken({ name: "RCurly", pattern: /\}/, label: "'}'" });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/, label: "']'" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
export const Colon = createToken({ name: "Colon", pattern: /:/, label: "':'" });
export const Cmp = createToken({ name: "Cmp", pattern: />=|<=|>|</, label: "a comparison" });

export const KEYWORDS: readonly TokenType[] = [
  Policy, Test, Default, Detector, Organization,
  Id, Scope, Status, Version, Priority, Description, When, If, Action, From, To, Class,
  And, Or, Not, Is, In, Matches, Contains, Any, All, Has, Called, Seen, Exists, Within, Under, Tz, Starts, With,
  Given, Call, Run, Discover, Respond, Expect, Replay, By, For, Event, Calls, No, Message,
];

/** Keywords that may also stand as a bare value (`tool is status`, `verb in [test]`). */
export const VALUE_KEYWORDS: readonly TokenType[] = [Test, Default, Id, Scope, Status, Version, Priority, Description, When, Class, Tz, Any, All, No, Event, Calls, Called, Seen, Respond, Under, Starts, With, For, Message];

export const ALL_TOKENS: readonly TokenType[] = [
  WhiteSpace, Comment, StringLit, BadString, Regex, Duration, NumberLit,
  ...KEYWORDS, Name,
  LCurly, RCurly, LBracket, RBracket, LParen, RParen, Comma, Colon, Cmp,
];

export const PolicyLexer = new Lexer([...ALL_TOKENS], { ensureOptimizations: false, positionTracking: "full" });

/** Words the language reserves: they cannot be used as bare names. */
export const KEYWORD_WORDS: readonly string[] = KEYWORDS.map((t) => String(t.LABEL).slice(1, -1));
