/** `policy explain <event.json> [--bundle b.json | paths]`: the decision and why. */
import type { Command } from "commander";
import { buildBundle } from "../../compiler/emit/index.js";
import { explain, formatExplanation } from "../../compiler/explain.js";
import { collectCatalogs, loadOrExit, ALLOW_OUTSIDE_HELP, readBundle, readJsonFile, reportDiagnostics } from "../project-io.js";
import { EXIT_FINDINGS, EXIT_USAGE, parseFormat, printJson } from "../output.js";
import { io } from "../io.js";
import { eventProblem } from "../../runtime/event.js";
import type { Bundle, SessionEvent } from "../../runtime/types.js";
import { alertCounterfactuals, alertText, counterfactuals, counterfactualJson, counterfactualText, editJson } from "../../compiler/analysis/counterfactual.js";
import { oneLine } from "../../compiler/terminal-safe.js";
import { loadShellParser } from "../../compiler/shell/shell-parser.js";

export function register(program: Command): void {
  program.command("explain").description("decide one event and show why (every policy considered, the first condition that failed)")
    .argument("<event>", "a session event as JSON (a file, or - for stdin)")
    .argument("[paths...]", "policies to build (default: .), unless --bundle is given")
    .option("--bundle <file>", "use a built bundle")
    .option("--catalog <file>", "add a user catalog (repeatable)", collectCatalogs)
    .option("--allow-outside", ALLOW_OUTSIDE_HELP)
    .option("--include-drafts", "include draft policies when building")
    .option("--format <format>", "text or json", "text")
    .action(async (eventPath: string, paths: string[], o: { bundle?: string; catalog?: string[]; includeDrafts?: boolean; format?: string; allowOutside?: boolean }) => {
      await loadShellParser();
      const format = parseFormat(o.format);
      const event = readJsonFile(eventPath, "event");
      let bundle: Bundle;
      let universe: Bundle | undefined;
      if (o.bundle) bundle = readBundle(o.bundle);
      else {
        const loaded = loadOrExit(paths, o.catalog, { allowOutside: !!o.allowOutside });
        if (loaded.project.diagnostics.some((d) => d.severity === "error")) {
          reportDiagnostics(loaded.project.diagnostics, loaded, { quietInfo: true });
          io().exitCode = EXIT_FINDINGS;
          return;
        }
        bundle = buildBundle(loaded.project, { includeDrafts: !!o.includeDrafts });
        // Drafts left out of the bundle can still be named by a counterfactual ("if draft x were active").
        universe = buildBundle(loaded.project, { includeDrafts: true });
      }
      const x = explain(bundle, event);
      const problem = eventProblem(event);
      const opts = universe ? { universe } : {};
      const cf = problem ? undefined : counterfactuals(bundle, event as SessionEvent, opts);
      const al = problem ? undefined : alertCounterfactuals(bundle, event as SessionEvent, opts);
      if (format === "json") {
        const alerts = al?.alerts.map((a) => ({ policy: a.policy, without: a.changes.map((ch) => ({ text: alertText(al.atoms, a.policy, ch), edits: [editJson(al.atoms, ch)] })) }));
        printJson({ ...x.decision, ...(x.args ? { arguments: x.args } : {}), trace: x.policies, ...(cf ? { counterfactuals: cf.counterfactuals.map((c) => counterfactualJson(cf.atoms, c)) } : {}), ...(cf?.undecidable ? { counterfactuals_undecidable: cf.undecidable } : {}), ...(alerts ? { alert_counterfactuals: alerts } : {}) });
      } else {
        io().stdout.write(formatExplanation(x) + "\n");
        const lines = [...(cf?.counterfactuals ?? []).map((c) => counterfactualText(cf!.atoms, c)), ...(al?.alerts ?? []).flatMap((a) => a.changes.map((ch) => alertText(al!.atoms, a.policy, ch)))];
        if (cf?.undecidable) io().stdout.write(`what would change it: ${oneLine(cf.undecidable)}\n`);
        else if (lines.length) io().stdout.write(["what would change it:", ...lines.map((l) => `  ${oneLine(l)}`)].join("\n") + "\n");
      }
      // The runtime blocks a malformed event (shown above); for the CLI it is also bad input.
      if (problem) {
        io().stderr.write(`error: ${eventPath} is not a valid session event: ${problem}\n`);
        io().exitCode = EXIT_USAGE;
      }
    });
}
