/**
 * Live updates by server-sent events: while at least one browser listens, the console polls the
 * approval store and the decision logs (every `pollMs`, 250 ms by default) and tells every listener
 * what changed: `approvals` (a request arrived, a vote was counted, a request resolved, here or in
 * another console or by `policy approvals`) and `monitor` (new decision-log lines). With the file
 * store, a new request folder also wakes it at once (a watch on `approvals/`). The events
 * carry no data worth stealing: a page that hears one fetches itself again, with its own cookie.
 */
import { watch, type FSWatcher } from "node:fs";
import type { ServerResponse } from "node:http";
import { FileApprovalStore } from "../enforce/approvals/file-store.js";
import type { ConsoleContext } from "./context.js";

export class LiveHub {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private last = { approvals: "", monitor: -1 };
  private polling = false;
  private again = false;
  private watcher: FSWatcher | undefined;

  constructor(private readonly ctx: ConsoleContext, private readonly pollMs = 250) {}

  /** Adds a listener (the response of `GET /events`). */
  add(res: ServerResponse): void {
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" });
    res.write("retry: 2000\n\n");
    this.clients.add(res);
    res.on("close", () => { this.clients.delete(res); if (!this.clients.size) this.stop(); });
    this.start();
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    const store = this.ctx.approvals;
    if (store instanceof FileApprovalStore) {
      try { this.watcher = watch(store.dir, () => void this.poll()); this.watcher.on("error", () => undefined); } catch { /* not there yet: polling covers it */ }
    }
    this.keepAlive = setInterval(() => this.send(": keep-alive\n\n"), 15_000);
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.keepAlive);
    this.watcher?.close();
    this.timer = this.keepAlive = this.watcher = undefined;
  }

  private send(text: string): void {
    for (const c of this.clients) c.write(text);
  }

  /** One poll: what changed since the last one. A store that fails is tried again next time. */
  async poll(): Promise<void> {
    if (this.polling) { this.again = true; return; }
    this.polling = true;
    try {
      const views = await this.ctx.views().catch(() => undefined);
      if (views) {
        const digest = views.map((v) => `${v.request.id}:${v.status}:${v.votes.length}:${v.tampered ? "t" : ""}`).join(",");
        if (digest !== this.last.approvals) { this.last.approvals = digest; this.send(`event: approvals\ndata: ${views.filter((v) => v.status === "pending").length}\n\n`); }
      }
      const lines = this.ctx.logs.refresh().length;
      if (lines !== this.last.monitor) { this.last.monitor = lines; this.send(`event: monitor\ndata: ${lines}\n\n`); }
    } finally {
      this.polling = false;
      if (this.again) { this.again = false; void this.poll(); }
    }
  }

  close(): void {
    this.stop();
    for (const c of this.clients) c.end();
    this.clients.clear();
  }
}
