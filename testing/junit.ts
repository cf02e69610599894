/**
 * `policy test --reporter junit`: the report as JUnit XML (the dialect Jenkins, GitLab, GitHub
 * Actions reporters and Azure read): one `<testsuite>` per `.policy` file, one `<testcase>` per
 * test, a `<failure>` whose message starts with `file:line:column` and whose body holds every
 * failure with its explain trace. Unreadable session files are `<error>`s.
 */
import type { TestReport, TestResult } from "./index.js";

/** Escapes text for XML content and attribute values; drops characters XML 1.0 forbids. */
export function xmlEscape(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

const secs = (ms: number) => (ms / 1000).toFixed(3);

function testcase(r: TestResult, unreadable: ReadonlySet<string>): string {
  const attrs = `name="${xmlEscape(r.name)}" classname="${xmlEscape(r.file)}" file="${xmlEscape(r.file)}" line="${r.line}" time="${secs(r.durationMs)}"`;
  if (r.passed) return `    <testcase ${attrs}/>`;
  const first = r.failures[0]!;
  const where = (f: typeof first) => `${f.span.file}:${f.span.line}:${f.span.column}`;
  const body = r.failures.map((f) => `${where(f)}: ${f.message}${f.detail ? "\n" + f.detail.split("\n").map((l) => "    " + l).join("\n") : ""}`).join("\n\n");
  const isError = r.failures.some((f) => unreadable.has(`${f.span.file}:${f.span.line}:${f.span.column}`));
  const tag = isError ? "error" : "failure";
  const type = isError ? "unreadable-session" : "expectation";
  return `    <testcase ${attrs}>\n      <${tag} message="${xmlEscape(`${where(first)}: ${first.message}`)}" type="${type}">${xmlEscape(body)}</${tag}>\n    </testcase>`;
}

/** The whole JUnit document. `suite` names the top-level `<testsuites>` element. */
export function junitXml(report: TestReport, suite = "policy test"): string {
  const unreadable = new Set(report.unreadable.map((u) => `${u.span.file}:${u.span.line}:${u.span.column}`));
  const byFile = new Map<string, TestResult[]>();
  for (const r of report.results) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const errorsOf = (rs: readonly TestResult[]) => rs.filter((r) => r.failures.some((f) => unreadable.has(`${f.span.file}:${f.span.line}:${f.span.column}`))).length;
  const total = report.results.reduce((n, r) => n + r.durationMs, 0);
  const allErrors = errorsOf(report.results);
  out.push(`<testsuites name="${xmlEscape(suite)}" tests="${report.results.length}" failures="${report.failed - allErrors}" errors="${allErrors}" skipped="0" time="${secs(total)}">`);
  for (const [file, rs] of byFile) {
    const errors = errorsOf(rs);
    const failures = rs.filter((r) => !r.passed).length - errors;
    const time = rs.reduce((n, r) => n + r.durationMs, 0);
    out.push(`  <testsuite name="${xmlEscape(file)}" file="${xmlEscape(file)}" tests="${rs.length}" failures="${failures}" errors="${errors}" skipped="0" time="${secs(time)}">`);
    for (const r of rs) out.push(testcase(r, unreadable));
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return out.join("\n") + "\n";
}
