// The "Policy Language Server Trace" output: where the language client writes the messages it
// exchanges with the server, as the `policy.trace.server` setting asks.
import * as vscode from "vscode";
import { SECTION } from "./settings";

/** The output channel the trace is written to. */
export const TRACE_CHANNEL_NAME = "Policy Language Server Trace";

/** The values of `policy.trace.server`. */
export type TraceSetting = "off" | "messages" | "verbose";

/** `policy.trace.server`; anything else than `messages` or `verbose` is `off`. */
export function traceSetting(): TraceSetting {
  const value = vscode.workspace.getConfiguration(SECTION).get<unknown>("trace.server", "off");
  return value === "messages" || value === "verbose" ? value : "off";
}

/**
 * The client's `traceOutputChannel`. vscode-languageclient (10 and later) traces only while the
 * log level of that channel is Trace, and reads `policy.trace.server` only then; a log channel
 * starts at the editor's level (Info), so the setting alone wrote nothing. This channel reports
 * Trace while the setting is `messages` or `verbose` (Off otherwise), tells the client when the
 * setting changes (so tracing starts and stops without a restart), and writes every line it is
 * given to a plain output channel, with the time.
 */
export class TraceChannel implements vscode.LogOutputChannel {
  private readonly out = vscode.window.createOutputChannel(TRACE_CHANNEL_NAME);
  private readonly levelChanged = new vscode.EventEmitter<vscode.LogLevel>();
  private readonly listener = vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(`${SECTION}.trace.server`)) this.levelChanged.fire(this.logLevel);
  });
  readonly onDidChangeLogLevel = this.levelChanged.event;

  get name(): string {
    return this.out.name;
  }

  get logLevel(): vscode.LogLevel {
    return traceSetting() === "off" ? vscode.LogLevel.Off : vscode.LogLevel.Trace;
  }

  trace(message: string): void {
    this.line("trace", message);
  }
  debug(message: string): void {
    this.line("debug", message);
  }
  info(message: string): void {
    this.line("info", message);
  }
  warn(message: string): void {
    this.line("warning", message);
  }
  error(error: string | Error): void {
    this.line("error", error instanceof Error ? (error.stack ?? error.message) : error);
  }

  append(value: string): void {
    this.out.append(value);
  }
  appendLine(value: string): void {
    this.out.appendLine(value);
  }
  replace(value: string): void {
    this.out.replace(value);
  }
  clear(): void {
    this.out.clear();
  }
  show(columnOrPreserveFocus?: vscode.ViewColumn | boolean, preserveFocus?: boolean): void {
    if (typeof columnOrPreserveFocus === "boolean") this.out.show(columnOrPreserveFocus);
    else this.out.show(columnOrPreserveFocus, preserveFocus);
  }
  hide(): void {
    this.out.hide();
  }
  dispose(): void {
    this.listener.dispose();
    this.levelChanged.dispose();
    this.out.dispose();
  }

  /** One line: `2026-12-03 16:21:03.123 [trace] Sending request 'initialize - (0)'.` */
  private line(level: string, message: string): void {
    const now = new Date();
    const pad = (n: number, w = 2) => String(n).padStart(w, "0");
    const time =
      `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ` +
      `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}`;
    this.out.appendLine(`${time} [${level}] ${message}`);
  }
}
