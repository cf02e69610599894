/**
 * The MCP request paths other than `tools/call`, as tools of every MCP integration.
 * At the enforcement point `resources/read`, `prompts/get`, `completion/complete`, … are decided
 * like tool calls: a `tool_call_request` whose `call.tool` is the MCP method itself and whose
 * `args` are the request's params. An MCP tool name cannot contain `/` (and the catalog schema
 * refuses one), so these names never collide with a real tool. They are all `Read` operations:
 * `operation is Read` and `default by operation` cover them, and `tool is memory."resources/read"`
 * (written `tool is "memory.resources/read"`) singles one out.
 * More rows name what a server sends on its own (MCP_SERVER_MESSAGES): a log message
 * (`notifications/message`), a progress message (`notifications/progress`), its instructions
 * (`initialize/instructions`: the `instructions` of its `initialize` result) and a sampling request (`sampling/createMessage`). They are never
 * requested by the agent; the enforcement point decides their text as the `tool_response` of these
 * tools (`when tool_response`), so `integration is X` policies on responses cover them too.
 */
import type { CatalogToolJson, JsonSchema } from "./types.js";

const str = (description: string): JsonSchema => ({ type: "string", description });
const cursor: JsonSchema = { type: "object", properties: { cursor: str("An opaque pagination cursor from the previous page.") } };
const uri: JsonSchema = { type: "object", properties: { uri: str("The URI of the resource.") }, required: ["uri"] };

/** One row per request path: the method, what it does, and the schema of its params. */
export const MCP_REQUEST_TOOLS: readonly CatalogToolJson[] = ([
  { name: "resources/list", description: "MCP request: list the server's resources.", args: cursor },
  { name: "resources/templates/list", description: "MCP request: list the server's resource templates.", args: cursor },
  { name: "resources/read", description: "MCP request: read a resource by URI.", resource: "uri", args: uri },
  { name: "resources/subscribe", description: "MCP request: be notified when a resource changes.", resource: "uri", args: uri },
  { name: "resources/unsubscribe", description: "MCP request: stop being notified about a resource.", resource: "uri", args: uri },
  { name: "prompts/list", description: "MCP request: list the server's prompts.", args: cursor },
  {
    name: "prompts/get", description: "MCP request: get a prompt, filled in with arguments.", resource: "name",
    args: { type: "object", properties: { name: str("The prompt's name."), arguments: { type: "object", additionalProperties: { type: "string" }, description: "Values for the prompt's arguments." } }, required: ["name"] },
  },
  {
    name: "completion/complete", description: "MCP request: completions for an argument of a prompt or a resource template.",
    args: {
      type: "object",
      properties: {
        ref: { type: "object", properties: { type: { type: "string", enum: ["ref/prompt", "ref/resource"] }, name: str("The prompt's name (ref/prompt)."), uri: str("The resource template (ref/resource).") }, required: ["type"] },
        argument: { type: "object", properties: { name: str("The argument being completed."), value: str("What was typed so far.") }, required: ["name", "value"] },
        context: { type: "object", properties: { arguments: { type: "object", additionalProperties: { type: "string" } } } },
      },
      required: ["ref", "argument"],
    },
  },
] as Omit<CatalogToolJson, "operation">[]).map((t) => ({ ...t, operation: "Read" as const, category: "mcp_request" }));

const levels = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

/** What a server sends on its own, as tools of every MCP integration: decided as responses only. */
export const MCP_SERVER_MESSAGES: readonly CatalogToolJson[] = ([
  {
    name: "notifications/message", description: "MCP notification from the server: a log message (decided as the response of this tool).",
    args: { type: "object", properties: {} },
    output: { type: "object", properties: { level: { type: "string", enum: levels }, logger: str("The logger's name."), data: { description: "The message: a string or any JSON value." } }, required: ["level"] },
  },
  {
    name: "notifications/progress", description: "MCP notification from the server: a progress message during a call (decided as the response of this tool).",
    args: { type: "object", properties: {} },
    output: { type: "object", properties: { progress: { type: "number" }, total: { type: "number" }, message: str("The progress message.") }, required: ["progress"] },
  },
  {
    name: "initialize/instructions", description: "MCP: the server's instructions, given to the agent when it connects (decided as the response of this tool).",
    args: { type: "object", properties: {} },
    output: { type: "object", properties: { instructions: str("The server's instructions.") } },
  },
  {
    name: "sampling/createMessage", description: "MCP request from the server: text it asks the client's model to read (decided as the response of this tool); the model's answer going back to the server is decided as a call of it.",
    args: {
      type: "object",
      properties: {
        role: { type: "string", enum: ["user", "assistant"] },
        content: { type: "object", properties: { type: str("text, image or audio."), text: str("The answer's text.") } },
        model: str("The model that answered."), stopReason: str("Why the model stopped."),
      },
    },
    output: { type: "object", properties: { systemPrompt: str("The system prompt the server asks for.") } },
  },
] as Omit<CatalogToolJson, "operation">[]).map((t) => ({ ...t, operation: "Read" as const, category: "mcp_server_message" }));
