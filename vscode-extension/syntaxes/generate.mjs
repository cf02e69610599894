// Generates policy.tmLanguage.json (the TextMate grammar for `.policy` files) from readable rules.
//
//   node vscode-extension/syntaxes/generate.mjs          write the JSON next to this file
//   node vscode-extension/syntaxes/generate.mjs --check  exit 1 if the JSON is out of date
//
// Edit this file, never the JSON. Scope names follow the TextMate conventions; every keyword class
// gets its own sub-scope (e.g. `keyword.control.effect.block.policy`) so themes and tests can tell
// them apart. Tests: test/vscode-extension/grammar/*.test.policy.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const OUT = join(dirname(fileURLToPath(import.meta.url)), "policy.tmLanguage.json");

/** An identifier: a `-` inside is part of it (`github-readonly`). */
const ID = String.raw`[A-Za-z_][A-Za-z0-9_-]*`;
/** Word boundaries that treat `-` and `.` as part of a name. */
const B = String.raw`(?<![\w.-])`;
const E = String.raw`(?![\w-])`;
/** End of a bare (undotted) name. */
const BARE_END = String.raw`(?![\w.-])`;
/** A double-quoted string on one line (for use inside larger matches). */
const STR = String.raw`"(?:[^"\\]|\\.)*(?:"|$)`;
/** Lines that start a top-level declaration: every block ends before one, even if `}` is missing. */
const TOP_LEVEL_AHEAD = String.raw`(?=^\s*(?:policy|test|default|detector|organization)${E})`;
/** `is`, `is not` (but not `is` followed by a bare `not in`). */
const IS = String.raw`is(?:\s+not)?`;
/** A bare value that is not itself an operator word. */
const VALUE = String.raw`(?!(?:not|in|is|and|or)${E})(${ID})${BARE_END}`;

const words = (list) => `${B}(?:${list.map((w) => `(${w})`).join("|")})${E}`;
/** One rule for a keyword list; each keyword gets `<prefix>.<keyword in lower case>.policy`. */
function keywords(list, prefix, rename = {}) {
  const captures = {};
  list.forEach((w, i) => {
    captures[i + 1] = { name: `${prefix}.${(rename[w] ?? w).toLowerCase()}.policy` };
  });
  return { match: words(list), captures };
}

/** `subject is X` / `subject is not X`: X gets `valueScope`. */
function subjectIs(subject, valueScope) {
  return {
    match: String.raw`${B}(${subject})\s+(${IS})\s+${VALUE}`,
    captures: {
      1: { name: `variable.language.subject.${subject}.policy` },
      2: { patterns: [{ include: "#operators" }] },
      3: { name: valueScope },
    },
  };
}

/** `subject in [X, Y]` / `subject not in [...]`: bare names in the list get `valueScope`. */
function subjectInList(subject, valueScope, extra = []) {
  return {
    begin: String.raw`${B}(${subject})\s+((?:not\s+)?in)\s*(\[)`,
    beginCaptures: {
      1: { name: `variable.language.subject.${subject}.policy` },
      2: { patterns: [{ include: "#operators" }] },
      3: { name: "punctuation.definition.list.begin.policy" },
    },
    end: String.raw`(\])|${TOP_LEVEL_AHEAD}`,
    endCaptures: { 1: { name: "punctuation.definition.list.end.policy" } },
    name: "meta.list.policy",
    patterns: [
      { include: "#comment" },
      { include: "#string" },
      ...extra,
      { match: String.raw`${B}${VALUE}`, captures: { 1: { name: valueScope } } },
      { include: "#punctuation" },
    ],
  };
}

/** A block that starts at a top-level keyword, takes a name and ends at `}` or the next declaration. */
function declarationBlock(keyword, nameScope, metaName, bodyInclude) {
  return {
    begin: String.raw`^\s*(${keyword})${E}(?:\s*(${STR}))?\s*(\{)?`,
    beginCaptures: {
      1: { name: `storage.type.${keyword}.policy` },
      2: {
        name: `string.quoted.double.policy ${nameScope}`,
        patterns: [{ include: "#string-escapes" }, { include: "#string-quotes" }],
      },
      3: { name: "punctuation.section.block.begin.policy" },
    },
    end: String.raw`(\})|${TOP_LEVEL_AHEAD}`,
    endCaptures: { 1: { name: "punctuation.section.block.end.policy" } },
    name: metaName,
    patterns: [{ include: bodyInclude }],
  };
}

const grammar = {
  $schema: "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
  name: "Policy",
  scopeName: "source.policy",
  fileTypes: ["policy"],
  patterns: [
    { include: "#comment" },
    { include: "#policy-block" },
    { include: "#test-block" },
    { include: "#detector" },
    { include: "#organization-block" },
    { include: "#default" },
    { include: "#statements" },
  ],
  repository: {
    comment: {
      match: String.raw`(#).*$`,
      name: "comment.line.number-sign.policy",
      captures: { 1: { name: "punctuation.definition.comment.policy" } },
    },

    "string-escapes": {
      patterns: [
        { match: String.raw`\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4})`, name: "constant.character.escape.policy" },
        { match: String.raw`\\.?`, name: "invalid.illegal.unrecognized-string-escape.policy" },
      ],
    },
    // Quotes of a string matched as a whole inside a capture (escapes are matched first).
    "string-quotes": { match: '"', name: "punctuation.definition.string.policy" },
    // Strings stop at the end of the line, so an unterminated one never swallows the file.
    string: {
      begin: '"',
      beginCaptures: { 0: { name: "punctuation.definition.string.begin.policy" } },
      end: String.raw`(")|(?=$)`,
      endCaptures: { 1: { name: "punctuation.definition.string.end.policy" } },
      name: "string.quoted.double.policy",
      patterns: [{ include: "#string-escapes" }],
    },

    "policy-block": declarationBlock("policy", "entity.name.type.policy.policy", "meta.block.policy.policy", "#statements"),
    "test-block": declarationBlock("test", "entity.name.function.test.policy", "meta.block.test.policy", "#test-body"),
    "organization-block": {
      begin: String.raw`^\s*(organization)${E}\s*(\{)?`,
      beginCaptures: {
        1: { name: "storage.type.organization.policy" },
        2: { name: "punctuation.section.block.begin.policy" },
      },
      end: String.raw`(\})|${TOP_LEVEL_AHEAD}`,
      endCaptures: { 1: { name: "punctuation.section.block.end.policy" } },
      name: "meta.block.organization.policy",
      patterns: [
        { include: "#comment" },
        keywords(["domains", "slack_workspaces", "github_orgs"], "keyword.other.organization"),
        { include: "#string" },
        { include: "#punctuation" },
      ],
    },
    default: {
      match: String.raw`^\s*(default)${E}`,
      captures: { 1: { name: "storage.type.default.policy" } },
    },
    // detector EmployeeId /EMP-[0-9]{6}/ class INTERNAL
    detector: {
      begin: String.raw`^\s*(detector)${E}(?:\s+(${ID}))?`,
      beginCaptures: {
        1: { name: "storage.type.detector.policy" },
        2: { name: "entity.name.type.detector.policy" },
      },
      end: "$",
      name: "meta.declaration.detector.policy",
      patterns: [
        { include: "#comment" },
        { include: "#regex" },
        {
          match: String.raw`${B}(class)\s+(${ID})${BARE_END}`,
          captures: {
            1: { name: "keyword.other.class.policy" },
            2: { name: "constant.language.data-class.policy" },
          },
        },
        { include: "#statements" },
      ],
    },
    regex: {
      begin: "/",
      beginCaptures: { 0: { name: "punctuation.definition.string.begin.regexp.policy" } },
      end: String.raw`(/)([a-z]*)|(?=$)`,
      endCaptures: {
        1: { name: "punctuation.definition.string.end.regexp.policy" },
        2: { name: "keyword.other.flags.regexp.policy" },
      },
      name: "string.regexp.policy",
      patterns: [{ include: "#regex-body" }],
    },
    "regex-body": {
      patterns: [
        { match: String.raw`\\[dDwWsSbB]`, name: "constant.character.character-class.regexp.policy" },
        { match: String.raw`\\.`, name: "constant.character.escape.regexp.policy" },
        {
          begin: String.raw`(\[)(\^)?`,
          beginCaptures: {
            1: { name: "punctuation.definition.character-class.begin.regexp.policy" },
            2: { name: "keyword.operator.negation.regexp.policy" },
          },
          end: String.raw`(\])|(?=$)`,
          endCaptures: { 1: { name: "punctuation.definition.character-class.end.regexp.policy" } },
          name: "constant.other.character-class.set.regexp.policy",
          patterns: [
            { match: String.raw`\\.`, name: "constant.character.escape.regexp.policy" },
            { match: String.raw`(?<=[^\[\\])-(?=[^\]])`, name: "keyword.operator.range.regexp.policy" },
          ],
        },
        { match: String.raw`\(\?(?:[:=!]|<[=!])|[()]`, name: "punctuation.definition.group.regexp.policy" },
        { match: String.raw`(?:[*+?]|\{\d+(?:,\d*)?\})\??`, name: "keyword.operator.quantifier.regexp.policy" },
        { match: String.raw`\|`, name: "keyword.operator.or.regexp.policy" },
        { match: String.raw`[\^$]`, name: "keyword.control.anchor.regexp.policy" },
        { match: String.raw`\.`, name: "constant.character.wildcard.regexp.policy" },
      ],
    },

    // Everything that may appear in a policy body (and, for error tolerance, anywhere else).
    statements: {
      patterns: [
        { include: "#comment" },
        { include: "#string" },
        { include: "#contextual" },
        { include: "#names" },
        { include: "#keywords" },
        { include: "#constants" },
        { include: "#numbers" },
        { include: "#punctuation" },
      ],
    },
    "test-body": {
      patterns: [
        { include: "#comment" },
        { include: "#string" },
        { include: "#object" },
        { include: "#statements" },
      ],
    },

    // Rules where the meaning of a name depends on the keyword before it.
    contextual: {
      patterns: [
        {
          match: String.raw`${B}(id)\s+(${ID})${BARE_END}`,
          captures: {
            1: { name: "keyword.other.header.id.policy" },
            2: { name: "entity.name.type.id.policy" },
          },
        },
        {
          match: String.raw`${B}(scope)\s+(?:(platform)|(tenant)|(agent))${E}`,
          captures: {
            1: { name: "keyword.other.header.scope.policy" },
            2: { name: "constant.language.scope.platform.policy" },
            3: { name: "constant.language.scope.tenant.policy" },
            4: { name: "constant.language.scope.agent.policy" },
          },
        },
        {
          match: String.raw`${B}(status)\s+(?:(draft)|(active)|(deprecated))${E}`,
          captures: {
            1: { name: "keyword.other.header.status.policy" },
            2: { name: "constant.language.status.draft.policy" },
            3: { name: "constant.language.status.active.policy" },
            4: { name: "constant.language.status.deprecated.policy" },
          },
        },
        {
          // `by github-readonly` names a policy by id (`by "Name"` is a plain string; `default by operation`).
          match: String.raw`${B}(by)\s+(?!operation${E})(${ID})${BARE_END}`,
          captures: {
            1: { name: "keyword.other.by.policy" },
            2: { name: "entity.name.type.id.policy" },
          },
        },
        {
          match: String.raw`${B}(given)\s+(agent|tenant|review_status|time|session)${E}`,
          captures: {
            1: { name: "keyword.other.test.given.policy" },
            2: { name: "variable.parameter.given.policy" },
          },
        },
        {
          // `respond cost 0.42 USD result { … }`: a response to the last call of a test.
          match: String.raw`${B}(respond)${E}(?:\s+(cost)\s+(-?\d+(?:\.\d+)?)\s+([A-Za-z]{3})${E})?(?:\s+(result)(?=\s*\{))?`,
          captures: {
            1: { name: "keyword.other.test.respond.policy" },
            2: { name: "variable.parameter.respond.policy" },
            3: { name: "constant.numeric.policy" },
            4: { name: "keyword.other.unit.currency.policy" },
            5: { name: "variable.parameter.respond.policy" },
          },
        },
        {
          match: String.raw`${B}(spend)\s+(today)\s*(>=|<=|!=|>|<|=)\s*(-?\d+(?:\.\d+)?)(?:\s*([A-Z]{3}))?${E}`,
          captures: {
            1: { name: "variable.language.subject.spend.policy" },
            2: { name: "keyword.operator.word.today.policy" },
            3: { name: "keyword.operator.comparison.policy" },
            4: { name: "constant.numeric.policy" },
            5: { name: "keyword.other.unit.currency.policy" },
          },
        },
        {
          match: String.raw`${B}(data_class)\s+(has)\s+(${ID})${BARE_END}`,
          captures: {
            1: { name: "variable.language.subject.data_class.policy" },
            2: { name: "keyword.operator.word.has.policy" },
            3: { name: "constant.language.data-class.policy" },
          },
        },
        {
          match: String.raw`${B}(tool|session)\s+(has)\s+(?!called${E})(${ID})${BARE_END}`,
          captures: {
            1: { patterns: [{ include: "#subjects" }] },
            2: { name: "keyword.operator.word.has.policy" },
            3: { name: "support.constant.label.policy" },
          },
        },
        {
          match: String.raw`${B}(principal)\s+(${IS})\s+(external|internal)${E}`,
          captures: {
            1: { name: "variable.language.subject.principal.policy" },
            2: { patterns: [{ include: "#operators" }] },
            3: { name: "constant.language.principal.policy" },
          },
        },
        {
          match: String.raw`${B}(resource)\s+(${IS})\s+(new)${E}`,
          captures: {
            1: { name: "variable.language.subject.resource.policy" },
            2: { patterns: [{ include: "#operators" }] },
            3: { name: "constant.language.resource.policy" },
          },
        },
        subjectIs("integration", "entity.name.namespace.integration.policy"),
        subjectInList("integration", "entity.name.namespace.integration.policy"),
        subjectIs("tool", "entity.name.function.tool.policy"),
        subjectInList("tool", "entity.name.function.tool.policy", [{ include: "#tool-name" }]),
        subjectInList("data_class", "constant.language.data-class.policy"),
        subjectIs("category", "constant.other.category.policy"),
        subjectInList("category", "constant.other.category.policy"),
        subjectIs("verb", "constant.other.verb.policy"),
        subjectInList("verb", "constant.other.verb.policy"),
      ],
    },

    names: {
      patterns: [
        { include: "#args-path" },
        {
          match: String.raw`${B}(agent)(\.)(review_status)${E}`,
          name: "variable.language.subject.review_status.policy",
          captures: { 2: { name: "punctuation.accessor.policy" } },
        },
        { include: "#tool-name" },
      ],
    },
    // args.repo.owner
    "args-path": {
      match: String.raw`${B}(args)((?:\.${ID})+)`,
      captures: {
        1: { name: "variable.language.subject.args.policy" },
        2: {
          name: "variable.other.property.policy",
          patterns: [{ match: String.raw`\.`, name: "punctuation.accessor.policy" }],
        },
      },
    },
    // linear.delete_issue: integration, then tool.
    "tool-name": {
      match: String.raw`${B}(${ID})(\.)(${ID})${BARE_END}`,
      name: "meta.tool-name.policy",
      captures: {
        1: { name: "entity.name.namespace.integration.policy" },
        2: { name: "punctuation.accessor.policy" },
        3: { name: "entity.name.function.tool.policy" },
      },
    },

    subjects: {
      patterns: [
        keywords(
          [
            "integration", "tool", "operation", "method", "category", "verb", "agent", "call_type",
            "body", "data_class", "session", "principal", "resource", "rate", "burst", "spend", "time",
            "review_status", "command",
          ],
          "variable.language.subject",
        ),
      ],
    },
    operators: {
      patterns: [
        keywords(["and", "or", "not"], "keyword.operator.logical"),
        keywords(
          ["is", "in", "matches", "contains", "any", "all", "has", "exists", "within", "today", "called", "starts", "with"],
          "keyword.operator.word",
        ),
        { match: "(?:>=|<=|!=|>|<|=)", name: "keyword.operator.comparison.policy" },
      ],
    },
    keywords: {
      patterns: [
        keywords(["if"], "keyword.control.conditional"),
        keywords(
          ["id", "scope", "status", "version", "priority", "description", "when", "action"],
          "keyword.other.header",
        ),
        keywords(["from", "to", "class", "tz"], "keyword.other"),
        keywords(["by"], "keyword.other"),
        keywords(
          ["given", "call", "run", "expect", "replay", "event", "calls", "no", "discover", "respond"],
          "keyword.other.test",
        ),
        keywords(
          ["allow", "block", "deny", "require_approval", "hide", "hidden", "alert", "sanitize"],
          "keyword.control.effect",
          { deny: "block.deny", hidden: "hide.hidden" },
        ),
        { include: "#subjects" },
        { include: "#operators" },
      ],
    },
    constants: {
      patterns: [
        keywords(["Read", "Write", "Delete", "Unknown"], "constant.language.operation"),
        keywords(["Approved", "Unreviewed", "Disallowed"], "constant.language.review-status"),
        keywords(["mcp", "cli"], "constant.language.call-type"),
        keywords(["tool_call", "agent_discovered"], "constant.language.event"),
        keywords(["SECRETS", "PII", "INTERNAL", "CREDENTIALS"], "constant.language.data-class"),
        keywords(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"], "constant.language.http-method"),
        keywords(["untrusted_content", "private_data", "external_communication"], "support.constant.label"),
        keywords(["true", "false"], "constant.language.boolean"),
        keywords(["null"], "constant.language"),
      ],
    },
    numbers: {
      patterns: [
        {
          match: String.raw`${B}(\d+(?:\.\d+)?)([smhd])${E}`,
          name: "constant.numeric.duration.policy",
          captures: { 2: { name: "keyword.other.unit.duration.policy" } },
        },
        {
          match: String.raw`${B}-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?${E}(?!\.)`,
          name: "constant.numeric.policy",
        },
      ],
    },
    punctuation: {
      patterns: [
        { match: "\\{", name: "punctuation.section.braces.begin.policy" },
        { match: "\\}", name: "punctuation.section.braces.end.policy" },
        { match: "\\[", name: "punctuation.definition.list.begin.policy" },
        { match: "\\]", name: "punctuation.definition.list.end.policy" },
        { match: "\\(", name: "punctuation.section.parens.begin.policy" },
        { match: "\\)", name: "punctuation.section.parens.end.policy" },
        { match: ",", name: "punctuation.separator.comma.policy" },
        { match: ":", name: "punctuation.separator.key-value.policy" },
        { include: "#operators" },
      ],
    },

    // JSON-like argument objects in tests: call linear.delete_issue { id: "LIN-42", "labels": ["x"] }
    object: {
      begin: "\\{",
      beginCaptures: { 0: { name: "punctuation.section.braces.begin.policy" } },
      end: String.raw`(\})|${TOP_LEVEL_AHEAD}`,
      endCaptures: { 1: { name: "punctuation.section.braces.end.policy" } },
      name: "meta.object.policy",
      patterns: [
        { include: "#comment" },
        {
          match: String.raw`(${ID})\s*(:)`,
          captures: {
            1: { name: "support.type.property-name.policy" },
            2: { name: "punctuation.separator.key-value.policy" },
          },
        },
        {
          match: String.raw`(${STR})\s*(:)`,
          captures: {
            1: {
              name: "string.quoted.double.policy support.type.property-name.policy",
              patterns: [{ include: "#string-escapes" }, { include: "#string-quotes" }],
            },
            2: { name: "punctuation.separator.key-value.policy" },
          },
        },
        { include: "#json-value" },
      ],
    },
    array: {
      begin: "\\[",
      beginCaptures: { 0: { name: "punctuation.definition.list.begin.policy" } },
      end: String.raw`(\])|${TOP_LEVEL_AHEAD}`,
      endCaptures: { 1: { name: "punctuation.definition.list.end.policy" } },
      name: "meta.list.policy",
      patterns: [{ include: "#json-value" }],
    },
    "json-value": {
      patterns: [
        { include: "#comment" },
        { include: "#string" },
        { include: "#object" },
        { include: "#array" },
        keywords(["true", "false"], "constant.language.boolean"),
        keywords(["null"], "constant.language"),
        { include: "#numbers" },
        { match: ",", name: "punctuation.separator.comma.policy" },
      ],
    },
  },
};

const json = `${JSON.stringify(grammar, null, 2)}\n`;
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(OUT, "utf8");
  } catch {
    // missing file: reported below
  }
  if (current !== json) {
    console.error(`${OUT} is out of date: run node vscode-extension/syntaxes/generate.mjs`);
    process.exit(1);
  }
} else {
  writeFileSync(OUT, json);
  console.log(`wrote ${OUT}`);
}
