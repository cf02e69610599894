/**
 * The enforcement point as a library: an MCP proxy that applies a bundle to real MCP servers.
 * `policy enforce` (cli/commands/enforce.ts) is a thin shell around `startProxy` + `serveStdio` / `serveHttp`.
 */
export { startProxy, parseDuration, StartupCheckError } from "./start.js";
export { startupCheck } from "./startup-check.js";
export type { Finding } from "./startup-check.js";
export type { ProxyOptions, RunningProxy } from "./start.js";
export { serveStdio, serveHttp } from "./serve.js";
export type { HttpEndpoint, HttpOptions } from "./serve.js";
export { Authenticator, parseTokenFile, readTokenFile } from "./http-auth.js";
export type { AuthOptions, JwtOptions, Principal, UserInfo } from "./http-auth.js";
export { OriginGuard, isLoopback } from "./http-guard.js";
export { Gateway } from "./gateway.js";
export type { GatewayOptions } from "./gateway.js";
export { ProxySession } from "./session.js";
export type { SessionIdentity } from "./session.js";
export { Upstream, parseUpstream, integrationFromServerName } from "./upstream.js";
export type { UpstreamSpec } from "./upstream.js";
export { FileApprovalStore, newApprovalId } from "./approvals/file-store.js";
export { RedisApprovalStore } from "./approvals/redis-store.js";
export { waitForApproval } from "./approvals/wait.js";
export type { ApprovalStore, ApprovalRequest, ApprovalView, Vote, Ballot, Outcome, Roster, SealedRequest } from "./approvals/types.js";
export { ApprovalClerk } from "./approvals/clerk.js";
export { AlertSink, webhookBody } from "./alerts.js";
export type { AlertRecord } from "./alerts.js";
export { SessionRecorder, DecisionLog } from "./jsonl.js";
