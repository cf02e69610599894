/**
 * A tiny terminal-like MCP server for the enforcement tests (stdio): `run_command {command}` takes a
 * shell line, `run_steps {steps: [{run}]}` several. It does not run anything: it appends each line
 * it receives to the log file named by its first argument, so a test can tell what reached it.
 */
import { appendFileSync } from "node:fs";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const log = process.argv[2] ?? "/dev/null";
const server = new Server({ name: "terminal", version: "1.0.0" }, { capabilities: { tools: {} } });

server.setRequestHandler(ListToolsRequestSchema, () => ({
  tools: [
    { name: "run_command", description: "Run a shell command line in the workspace.", inputSchema: { type: "object", properties: { command: { type: "string", description: "the command line" } }, required: ["command"] } },
    { name: "run_steps", description: "Run several shell command lines in order.", inputSchema: { type: "object", properties: { steps: { type: "array", items: { type: "object", properties: { run: { type: "string" } }, required: ["run"] } } }, required: ["steps"] } },
  ],
}));

server.setRequestHandler(CallToolRequestSchema, (req) => {
  const args = (req.params.arguments ?? {}) as { command?: string; steps?: { run: string }[] };
  const lines = req.params.name === "run_command" ? [args.command ?? ""] : (args.steps ?? []).map((s) => s.run);
  for (const l of lines) appendFileSync(log, `${l}\n`);
  return { content: [{ type: "text", text: `ran: ${lines.join(" ; ")}` }] };
});

await server.connect(new StdioServerTransport());
