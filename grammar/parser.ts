/**
 * The chevrotain parser (CST). Error recovery is on: one bad line does not hide the next error.
 * The grammar is deliberately generic where the language is regular (a condition is
 * `subject [params] predicate`); what combinations mean is checked on the AST.
 */
import { CstParser, type CstNode, type IToken } from "./chevrotain.js";
import * as T from "./lexer.js";
import { messageProvider } from "./errors.js";
import { tooDeepAt } from "./limits.js";

class PolicyParser extends CstParser {
  constructor() {
    super([...T.ALL_TOKENS], { recoveryEnabled: true, maxLookahead: 3, nodeLocationTracking: "full", errorMessageProvider: messageProvider });
    this.performSelfAnalysis();
  }

  file = this.RULE("file", () => {
    this.MANY(() => this.SUBRULE(this.decl));
  });

  decl = this.RULE("decl", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.policyDecl) },
      { ALT: () => this.SUBRULE(this.testDecl) },
      { ALT: () => this.SUBRULE(this.defaultDecl) },
      { ALT: () => this.SUBRULE(this.detectorDecl) },
      { ALT: () => this.SUBRULE(this.orgDecl) },
    ]);
  });

  // ── policy ──
  policyDecl = this.RULE("policyDecl", () => {
    this.CONSUME(T.Policy);
    this.CONSUME(T.StringLit);
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.policyItem));
    this.CONSUME(T.RCurly);
  });

  policyItem = this.RULE("policyItem", () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.Id); this.SUBRULE(this.word); } },
      { ALT: () => { this.CONSUME(T.Scope); this.SUBRULE2(this.word); this.OPTION(() => this.CONSUME(T.StringLit, { LABEL: "target" })); } },
      { ALT: () => { this.CONSUME(T.Status); this.SUBRULE3(this.word); } },
      { ALT: () => { this.CONSUME(T.Version); this.CONSUME(T.NumberLit); } },
      { ALT: () => { this.CONSUME(T.Priority); this.CONSUME2(T.NumberLit); } },
      { ALT: () => { this.CONSUME(T.Description); this.CONSUME2(T.StringLit, { LABEL: "text" }); } },
      { ALT: () => { this.CONSUME(T.When); this.SUBRULE4(this.word); } },
      { ALT: () => { this.CONSUME(T.If); this.SUBRULE(this.orExpr); } },
      { ALT: () => { this.CONSUME(T.Action); this.SUBRULE(this.actionList); } },
    ]);
  });

  /** A name, or one of the few keywords that may stand where a name is expected (`any`, `all`, `no`). */
  word = this.RULE("word", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Name) },
      { ALT: () => this.CONSUME(T.Any) },
      { ALT: () => this.CONSUME(T.All) },
      { ALT: () => this.CONSUME(T.No) },
    ]);
  });

  orExpr = this.RULE("orExpr", () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => { this.CONSUME(T.Or); this.SUBRULE2(this.andExpr); });
  });

  andExpr = this.RULE("andExpr", () => {
    this.SUBRULE(this.notExpr);
    this.MANY(() => { this.CONSUME(T.And); this.SUBRULE2(this.notExpr); });
  });

  notExpr = this.RULE("notExpr", () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.Not); this.SUBRULE(this.notExpr); } },
      { ALT: () => { this.CONSUME(T.LParen); this.SUBRULE(this.orExpr); this.CONSUME(T.RParen); } },
      { ALT: () => this.SUBRULE(this.condition) },
    ]);
  });

  condition = this.RULE("condition", () => {
    this.CONSUME(T.Name);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.SUBRULE(this.value);
      // `rate(this hour)`: a second word of the first parameter.
      this.OPTION5(() => this.CONSUME3(T.Name, { LABEL: "windowWord" }));
      // `sum(args.amount, 1h)`: a duration among the options is a sliding window.
      this.MANY(() => { this.CONSUME(T.Comma); this.OR([{ ALT: () => this.CONSUME(T.Duration, { LABEL: "windowOption" }) }, { ALT: () => this.SUBRULE(this.orExpr) }]); });
      this.CONSUME(T.RParen);
    });
    this.OPTION3(() => this.CONSUME2(T.Name, { LABEL: "qualifier" }));
    this.OPTION4(() => this.SUBRULE(this.predicate));
  });

  predicate = this.RULE("predicate", () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.Is); this.OPTION(() => this.CONSUME(T.Not)); this.SUBRULE(this.value); } },
      { ALT: () => { this.CONSUME2(T.Not); this.CONSUME(T.In); this.SUBRULE2(this.value); } },
      { ALT: () => { this.CONSUME2(T.In); this.SUBRULE3(this.value); } },
      { ALT: () => { this.CONSUME(T.Matches); this.SUBRULE4(this.value); } },
      { ALT: () => {
        this.CONSUME(T.Contains);
        this.OPTION2(() => this.OR2([{ ALT: () => this.CONSUME(T.Any) }, { ALT: () => this.CONSUME(T.All) }]));
        this.SUBRULE5(this.value);
      } },
      { ALT: () => {
        this.CONSUME(T.Has);
        // `session has mark "reviewed"`: `mark` is a word, not a keyword (it stays usable as a name).
        const markNext = () => this.LA(1).image === "mark" && this.LA(2).tokenType === T.StringLit;
        this.OPTION3({
          GATE: () => this.LA(1).tokenType !== T.Name || markNext(),
          DEF: () => this.OR3([
            { ALT: () => this.CONSUME(T.Called) },
            { ALT: () => this.CONSUME(T.Seen) },
            { GATE: markNext, ALT: () => this.CONSUME2(T.Name, { LABEL: "mark" }) },
          ]),
        });
        this.SUBRULE6(this.value);
      } },
      { ALT: () => this.CONSUME(T.Exists) },
      { ALT: () => { this.CONSUME(T.Under); this.SUBRULE8(this.value); } },
      { ALT: () => { this.CONSUME(T.Starts); this.CONSUME(T.With); this.SUBRULE9(this.value); } },
      { ALT: () => {
        this.CONSUME(T.Within);
        this.CONSUME(T.StringLit, { LABEL: "spec" });
        this.OPTION4(() => { this.CONSUME(T.Tz); this.CONSUME2(T.StringLit, { LABEL: "tz" }); });
      } },
      { ALT: () => {
        this.CONSUME(T.Cmp);
        this.SUBRULE7(this.value);
        this.OPTION5(() => this.CONSUME(T.Name, { LABEL: "unit" }));
      } },
    ]);
  });

  actionList = this.RULE("actionList", () => {
    this.SUBRULE(this.actionNode);
    this.MANY(() => { this.CONSUME(T.Comma); this.SUBRULE2(this.actionNode); });
  });

  actionNode = this.RULE("actionNode", () => {
    this.CONSUME(T.Name);
    // `clear seen SECRETS`, `clear untrusted_content`, `clear mark "reviewed"`: what a session action changes.
    this.OPTION5(() => { this.OPTION6(() => this.CONSUME(T.Seen)); this.CONSUME2(T.Name, { LABEL: "what" }); });
    this.OPTION(() => this.CONSUME(T.StringLit, { LABEL: "message" }));
    this.OPTION2(() => this.SUBRULE(this.list, { LABEL: "fields" }));
    this.OPTION3(() => { this.CONSUME(T.From); this.SUBRULE2(this.list, { LABEL: "approvers" }); });
    this.OPTION4(() => { this.CONSUME(T.To); this.CONSUME2(T.StringLit, { LABEL: "target" }); });
  });

  private valueWordAlts: { ALT: () => unknown }[] | undefined;

  /** A bare word in value position: a name, or a keyword that cannot start a line or an operator. */
  valueWord = this.RULE("valueWord", () => {
    this.OR(this.valueWordAlts ??= [
      { ALT: () => this.CONSUME(T.Name, { LABEL: "word" }) },
      ...T.VALUE_KEYWORDS.map((k) => ({ ALT: () => this.CONSUME(k, { LABEL: "word" }) })),
    ]);
  });

  // ── values ──
  value = this.RULE("value", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME(T.Duration) },
      { ALT: () => this.SUBRULE(this.valueWord) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.object) },
    ]);
  });

  list = this.RULE("list", () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.value);
      this.MANY(() => { this.CONSUME(T.Comma); this.SUBRULE2(this.value); });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
    this.CONSUME(T.RBracket);
  });

  object = this.RULE("object", () => {
    this.CONSUME(T.LCurly);
    this.MANY(() => {
      this.SUBRULE(this.objectEntry);
      this.OPTION(() => this.CONSUME(T.Comma));
    });
    this.CONSUME(T.RCurly);
  });

  private keyAlts: { ALT: () => unknown }[] | undefined;

  objectEntry = this.RULE("objectEntry", () => {
    this.OR(this.keyAlts ??= [
      { ALT: () => this.CONSUME(T.StringLit) },
      { ALT: () => this.CONSUME(T.Name, { LABEL: "key" }) },
      ...T.KEYWORDS.map((k) => ({ ALT: () => this.CONSUME(k, { LABEL: "key" }) })),
    ]);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.value);
  });

  // ── tests ──
  testDecl = this.RULE("testDecl", () => {
    this.CONSUME(T.Test);
    this.CONSUME(T.StringLit);
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.testStep));
    this.CONSUME(T.RCurly);
  });

  testStep = this.RULE("testStep", () => {
    this.OR([
      { ALT: () => { this.CONSUME(T.Given); this.AT_LEAST_ONE(() => this.SUBRULE(this.pair)); } },
      { ALT: () => { this.CONSUME(T.Call); this.CONSUME(T.Name); this.OPTION(() => this.SUBRULE(this.object)); } },
      { ALT: () => { this.CONSUME(T.Run); this.CONSUME(T.StringLit, { LABEL: "command" }); } },
      { ALT: () => {
        this.CONSUME(T.Discover);
        this.SUBRULE(this.word);
        this.CONSUME2(T.StringLit, { LABEL: "agentName" });
        this.MANY(() => this.SUBRULE2(this.pair));
      } },
      { ALT: () => { this.CONSUME(T.Replay); this.CONSUME3(T.StringLit, { LABEL: "path" }); } },
      { ALT: () => { this.CONSUME(T.Respond); this.MANY2(() => this.SUBRULE(this.respondItem)); } },
      { ALT: () => {
        this.CONSUME(T.Message);
        this.OR2([{ ALT: () => this.CONSUME(T.To, { LABEL: "direction" }) }, { ALT: () => this.CONSUME(T.From, { LABEL: "direction" }) }]);
        this.SUBRULE3(this.word, { LABEL: "party" });
        this.CONSUME4(T.StringLit, { LABEL: "text" });
      } },
      { ALT: () => this.SUBRULE(this.expectStep) },
    ]);
  });

  /** `cost 0.42 USD` or `result { … }` after `respond` (the key is checked on the AST). */
  respondItem = this.RULE("respondItem", () => {
    this.SUBRULE(this.word, { LABEL: "key" });
    this.OR([
      { ALT: () => { this.CONSUME(T.NumberLit, { LABEL: "amount" }); this.CONSUME(T.Name, { LABEL: "currency" }); } },
      { ALT: () => this.SUBRULE(this.object) },
    ]);
  });

  pair = this.RULE("pair", () => {
    this.SUBRULE(this.word);
    this.SUBRULE(this.value);
  });

  expectStep = this.RULE("expectStep", () => {
    this.CONSUME(T.Expect);
    this.OPTION(() => this.CONSUME(T.No));
    this.OPTION2(() => this.OR([
      { ALT: () => { this.CONSUME(T.Event); this.CONSUME(T.NumberLit); } },
      { ALT: () => { this.CONSUME(T.Calls); this.CONSUME(T.To); this.CONSUME(T.Name, { LABEL: "tool" }); } },
    ]));
    this.CONSUME2(T.Name, { LABEL: "what" });
    this.OPTION3(() => this.OR2([
      { ALT: () => this.CONSUME(T.StringLit, { LABEL: "argString" }) },
      { ALT: () => this.SUBRULE(this.list, { LABEL: "argList" }) },
    ]));
    this.OPTION4(() => {
      this.CONSUME(T.By);
      this.OR3([
        { ALT: () => this.CONSUME2(T.StringLit, { LABEL: "byString" }) },
        { ALT: () => this.SUBRULE(this.word, { LABEL: "byName" }) },
      ]);
    });
    this.OPTION5(() => {
      this.CONSUME(T.From);
      this.SUBRULE2(this.list, { LABEL: "fromList" });
    });
  });

  // ── other declarations ──
  defaultDecl = this.RULE("defaultDecl", () => {
    this.CONSUME(T.Default);
    // `default for integration GitHub …` · `default for tenant "acme" …` · `for agent "Cursor" integration X`
    this.OPTION2(() => {
      this.CONSUME(T.For);
      this.AT_LEAST_ONE(() => {
        this.CONSUME4(T.Name, { LABEL: "forKey" });
        this.OR2([
          { ALT: () => this.CONSUME(T.StringLit, { LABEL: "forValue" }) },
          { ALT: () => this.CONSUME5(T.Name, { LABEL: "forValue" }) },
        ]);
      });
    });
    this.OR([
      { ALT: () => {
        this.CONSUME(T.By);
        this.SUBRULE(this.word);
        this.CONSUME(T.LCurly);
        this.MANY(() => {
          this.CONSUME(T.Name, { LABEL: "operation" });
          this.CONSUME(T.Colon);
          this.CONSUME2(T.Name, { LABEL: "effect" });
          this.OPTION(() => this.CONSUME(T.Comma));
        });
        this.CONSUME(T.RCurly);
      } },
      { ALT: () => this.CONSUME3(T.Name, { LABEL: "single" }) },
    ]);
  });

  detectorDecl = this.RULE("detectorDecl", () => {
    this.CONSUME(T.Detector);
    this.CONSUME(T.Name, { LABEL: "detectorName" });
    this.CONSUME(T.Regex);
    this.OPTION(() => { this.CONSUME(T.Class); this.CONSUME2(T.Name, { LABEL: "cls" }); });
  });

  orgDecl = this.RULE("orgDecl", () => {
    this.CONSUME(T.Organization);
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.pair));
    this.CONSUME(T.RCurly);
  });
}

/** One shared parser instance: chevrotain parsers are reusable by resetting `input`. */
export const parserInstance = new PolicyParser();

export interface RawParse {
  readonly cst: CstNode;
  readonly tokens: readonly IToken[];
  readonly comments: readonly IToken[];
  readonly lexErrors: readonly { offset: number; length: number; message: string }[];
  readonly parseErrors: readonly { token: IToken; message: string; rule?: string }[];
  /** The first token nested deeper than MAX_NESTING_DEPTH (it and what follows were not parsed). */
  readonly tooDeep?: IToken;
}

/**
 * Runs `f` with no stack traces captured: error recovery creates an exception (an `Error`) for
 * every mismatch, and capturing its stack was the costliest step of parsing broken text (as an
 * editor sends it while the user types). Nothing reads those stacks.
 */
function withoutStacks<T>(f: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return f();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Lexes and parses `text`. Never throws for any input. */
export function parseCst(text: string): RawParse {
  const lexed = T.PolicyLexer.tokenize(text);
  // Nesting beyond the limit would exhaust the stack: parse only the tokens before it.
  const deep = tooDeepAt(lexed.tokens);
  parserInstance.input = deep < 0 ? lexed.tokens : lexed.tokens.slice(0, deep);
  const cst = withoutStacks(() => parserInstance.file());
  const parseErrors = parserInstance.errors.map((e) => ({
    token: e.token,
    message: e.message,
    rule: e.context?.ruleStack?.at(-1),
  }));
  return {
    cst,
    tokens: lexed.tokens,
    comments: (lexed.groups["comments"] ?? []) as IToken[],
    lexErrors: lexed.errors.map((e) => ({ offset: e.offset, length: e.length, message: e.message })),
    parseErrors,
    ...(deep < 0 ? {} : { tooDeep: lexed.tokens[deep]! }),
  };
}
