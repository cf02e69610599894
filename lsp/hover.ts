/**
 * Hover: a tool's description, operation, labels and arguments; an integration's tools; a
 * policy's effective id, priority and effect; an `args.` path's type in the tools the policy can
 * match; and, for every diagnostic under the cursor, its code's explanation from `CODES`.
 */
import type { Hover } from "vscode-languageserver";
import type { CheckedProject } from "../compiler/model.js";
import type { CatalogTool } from "../compiler/catalog/catalog.js";
import { CODE_INDEX, codeDocUrl } from "../compiler/diagnostics/codes.js";
import { argPathInfo, argPaths, operatorsOf, policyConstraints, resolvePolicyRef, subjectDoc, subjectValues } from "../compiler/editor-support.js";
import type * as A from "../grammar/ast.js";
import { spanHas, toRange } from "./positions.js";
import { targetAt, type Target } from "./locate.js";

export function hover(project: CheckedProject, file: string, ast: A.PolicyFile, offset: number): Hover | null {
  const parts: string[] = [];
  const t = targetAt(ast, offset);
  const main = t ? describe(project, t) : undefined;
  if (main) parts.push(main);
  for (const d of project.diagnostics) {
    if (d.span.file !== file || !spanHas(d.span, offset)) continue;
    const info = CODE_INDEX.get(d.code);
    if (!info) continue;
    parts.push(`[${d.code}](${codeDocUrl(d.code)}) · ${info.title}\n\nExample: \`${info.example}\` · Fix: ${info.fix}`);
  }
  if (!parts.length) return null;
  return { contents: { kind: "markdown", value: [...new Set(parts)].join("\n\n---\n\n") }, ...(t ? { range: toRange(t.span) } : {}) };
}

function describe(project: CheckedProject, t: Target): string | undefined {
  const catalog = project.catalog;
  switch (t.kind) {
    case "integration": {
      const i = catalog.integration(t.name);
      if (!i) return undefined;
      const tools = [...i.tools.values()];
      return [`**${i.name}** (integration \`${i.id}\`, ${i.callType})`, i.description,
        `${tools.length} tools: ${tools.slice(0, 20).map((x) => `\`${x.name}\``).join(", ")}${tools.length > 20 ? ", …" : ""}`, `from ${i.source}`].filter(Boolean).join("\n\n");
    }
    case "tool": {
      const within = t.policy ? policyConstraints(catalog, t.policy.items, t.span.start).integrations : undefined;
      const tool = t.name.includes(".") ? catalog.tool(t.name) : (catalog.toolsNamed(t.name, within).length === 1 ? catalog.toolsNamed(t.name, within)[0] : catalog.toolsNamed(t.name).length === 1 ? catalog.toolsNamed(t.name)[0] : undefined);
      if (!tool) {
        const all = catalog.toolsNamed(t.name.split(".").pop()!);
        return all.length > 1 ? `\`${t.name}\` is in several integrations: ${all.map((x) => `\`${x.key}\``).join(", ")}` : undefined;
      }
      return [describeTool(tool), `review status: **${project.reviews?.tools[tool.key.toLowerCase()] ?? "Unreviewed"}** (policy.reviews.json)${tool.pin ? ` · definition pinned (${tool.pin.hash.slice(0, 19)}…)` : ""}`].join("\n\n");
    }
    case "label": {
      const tools = catalog.allTools().filter((x) => x.labels.includes(t.name));
      return `label **${t.name}**: ${tools.length} tools carry it`;
    }
    case "policyId": case "policyName": case "policyRef": {
      const p = t.kind === "policyRef" ? resolvePolicyRef(project.policies, t.name) : project.policies.find((x) => x.ast === t.policy || (x.name === t.policy.name.value && x.line === t.policy.span.line));
      if (!p) return t.kind === "policyRef" ? `no policy has the id or name \`${t.name}\`` : undefined;
      return [`**policy** ${JSON.stringify(p.name)}`,
        `id \`${p.id}\`${p.ast.items.some((i) => i.kind === "IdItem") ? "" : " (from the name)"} · priority ${p.priority} · effect ${p.effect ?? "none (obligations only)"} · ${p.status} · ${p.scope.kind === "platform" ? "platform" : p.scope.kind === "tenant" ? `tenant ${p.scope.tenant ?? "(any)"}` : `agent ${p.scope.agent}`}`,
        p.description, `${p.file}:${p.line}`].filter(Boolean).join("\n\n");
    }
    case "detector": {
      const d = project.detectors.find((x) => x.name === t.name);
      return d ? `**detector** ${d.name} \`/${d.source}/${d.flags}\` → class ${d.class}` : undefined;
    }
    case "dataClass": {
      const ds = project.detectors.filter((d) => d.class.toLowerCase() === t.name.toLowerCase());
      return `data class **${t.name.toUpperCase()}**${ds.length ? `: detectors ${ds.map((d) => d.name).join(", ")}` : " (built-in detectors)"}`;
    }
    case "arg": {
      const tools = policyConstraints(catalog, t.policy.items, t.span.start).tools;
      const info = argPathInfo(tools, t.name);
      if (!info) return `\`args.${t.name}\`: no tool this policy can match has it`;
      return [`\`args.${t.name}\`: ${info.types.join(" | ") || "any"}`, info.description, info.enum ? `one of ${info.enum.map((v) => `\`${JSON.stringify(v)}\``).join(", ")}` : undefined,
        info.kinds.length ? `compared in canonical form as a ${info.kinds.join(" or ")} (catalog \`arg_kinds\`)` : undefined,
        `in ${info.tools.length} of ${tools.length} matchable tools${info.tools.length <= 6 ? `: ${info.tools.join(", ")}` : ""}`].filter(Boolean).join("\n\n");
    }
    case "subject": {
      const ops = operatorsOf(t.name);
      if (!ops.length && t.name !== "burst") return undefined;
      const values = subjectValues(catalog, t.name, project.detectors.map((d) => d.class));
      return [`condition subject \`${t.name}\``, subjectDoc(t.name), ops.length ? `operators: ${ops.map((o) => `\`${o}\``).join(", ")}` : "used alone",
        values?.length ? `values: ${values.slice(0, 24).map((v) => `\`${v}\``).join(", ")}${values.length > 24 ? ", …" : ""}` : undefined].filter(Boolean).join("\n\n");
    }
    case "action": return undefined;
  }
}

export function describeTool(tool: CatalogTool): string {
  const args = argPaths([tool], 1);
  const required = new Set(tool.args?.required ?? []);
  const attrs = [tool.category && `category ${tool.category}`, tool.method && `method ${tool.method}`, tool.verbs.length ? `verbs ${tool.verbs.join(", ")}` : undefined, tool.resource && `resource \`${tool.resource}\``].filter(Boolean);
  return [
    `**${tool.key}** · ${tool.operation}${tool.labels.length ? ` · ${tool.labels.join(", ")}` : ""}`,
    tool.description,
    attrs.length ? attrs.join(" · ") : undefined,
    args.length ? `Arguments:\n${args.map((a) => `- \`${a.path}\`${required.has(a.path) ? "" : "?"}: ${a.types.join(" | ") || "any"}${a.enum ? ` (${a.enum.map((v) => JSON.stringify(v)).join(", ")})` : ""}${a.description ? ` — ${a.description}` : ""}`).join("\n")}` : "No arguments.",
  ].filter(Boolean).join("\n\n");
}
