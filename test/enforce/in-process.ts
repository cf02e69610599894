/**
 * An enforcement point in this process, in front of real MCP servers (child processes), with the
 * SDK's `Client` connected to a session over an in-memory transport. Faster than the CLI process
 * and lets a test choose the session store; the proxy code is the same (`Gateway`, `ProxySession`).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { CreateMessageRequestSchema, type CreateMessageRequest, type CreateMessageResult, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { SessionStore } from "../../runtime/index.js";
import type { Bundle } from "../../runtime/types.js";
import { Gateway } from "../../enforce/gateway.js";
import { FileApprovalStore } from "../../enforce/approvals/file-store.js";
import { DecisionLog, SessionRecorder } from "../../enforce/jsonl.js";
import { Upstream, type UpstreamSpec } from "../../enforce/upstream.js";
import type { SessionIdentity } from "../../enforce/session.js";

export interface InProcessProxy {
  readonly gateway: Gateway;
  readonly decisionLog: string;
  readonly recordDir: string;
  /** A client connected to a new session (clientInfo name as given; `""` is a nameless client). */
  connect(name?: string, opts?: { sampling?: (params: CreateMessageRequest["params"]) => CreateMessageResult }): Promise<Client>;
  /** A raw JSON-RPC connection to a new session: nothing is sent unless the test sends it. */
  raw(): Promise<{ send(m: JSONRPCMessage): Promise<void>; received: JSONRPCMessage[]; close(): Promise<void> }>;
  close(): Promise<void>;
}

export async function inProcessProxy(o: {
  bundle: Bundle; upstreams: readonly UpstreamSpec[]; dir: string; store?: SessionStore; identity?: SessionIdentity; approvalTimeoutMs?: number;
  /** Tell the upstreams the client can sample (`--sampling`). */
  sampling?: boolean;
}): Promise<InProcessProxy> {
  mkdirSync(o.dir, { recursive: true });
  const upstreams: Upstream[] = [];
  for (const spec of o.upstreams) upstreams.push(await Upstream.connect(spec, { stderr: "ignore", ...(o.sampling ? { sampling: true } : {}) }));
  const decisionLog = path.join(o.dir, "decisions.jsonl");
  const recordDir = path.join(o.dir, "sessions");
  const approvals = new FileApprovalStore(path.join(o.dir, "state"));
  approvals.init();
  const gateway = new Gateway({
    bundle: o.bundle, upstreams, approvals,
    ...(o.store ? { store: o.store } : {}), ...(o.identity ? { identity: o.identity } : {}),
    recorder: new SessionRecorder(recordDir), decisionLog: new DecisionLog(decisionLog),
    approvalTimeoutMs: o.approvalTimeoutMs ?? 60_000, approvalPollMs: 10,
  });
  const clients: { close(): Promise<void> }[] = [];
  return {
    gateway, decisionLog, recordDir,
    connect: async (name = "Cursor", opts = {}) => {
      const [a, b] = InMemoryTransport.createLinkedPair();
      await gateway.createSession().server.connect(b);
      const client = new Client({ name, version: "1.0.0" }, { capabilities: opts.sampling ? { sampling: {} } : {} });
      if (opts.sampling) { const f = opts.sampling; client.setRequestHandler(CreateMessageRequestSchema, (r) => f(r.params)); }
      await client.connect(a);
      clients.push(client);
      return client;
    },
    raw: async () => {
      const [a, b] = InMemoryTransport.createLinkedPair();
      await gateway.createSession().server.connect(b);
      const received: JSONRPCMessage[] = [];
      a.onmessage = (m) => { received.push(m); };
      await a.start();
      clients.push(a);
      return { send: (m) => a.send(m), received, close: () => a.close() };
    },
    close: async () => {
      for (const c of clients) await c.close().catch(() => undefined);
      await gateway.close();
    },
  };
}
