/**
 * Starts a real `redis-server` (the Debian package) on a free 127.0.0.1 port for a test, and
 * stops it after. Without the binary the Redis tests are skipped, except under `CI=true`, where a
 * missing redis-server is a failure.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer, connect } from "node:net";

export const REDIS_BIN = process.env["REDIS_SERVER"] ?? "redis-server";

/** True when redis-server can be run; under CI=true its absence throws. */
export function haveRedis(): boolean {
  const r = spawnSync(REDIS_BIN, ["--version"], { encoding: "utf8" });
  const ok = r.status === 0 && /Redis server/.test(r.stdout);
  if (!ok && process.env["CI"] === "true") throw new Error(`${REDIS_BIN} is not installed: the Redis session-store tests need it under CI (apt-get install -y redis-server)`);
  return ok;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ port, host: "127.0.0.1" });
    c.once("connect", () => { c.destroy(); resolve(true); });
    c.once("error", () => resolve(false));
  });
}

export class RedisServer {
  private proc: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const s = new RedisServer(await freePort());
    await s.spawn();
    return s;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and waits until it accepts connections. */
  async spawn(): Promise<void> {
    this.proc = spawn(REDIS_BIN, ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"], { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      if (await accepts(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** Kills the server (SIGKILL: a crash) and waits for it to exit. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => { p.once("exit", () => resolve()); p.kill(signal); });
    this.proc = undefined;
  }

  /** Freezes the server (it accepts nothing and answers nothing) or thaws it. */
  pause(): void { this.proc?.kill("SIGSTOP"); }
  resume(): void { this.proc?.kill("SIGCONT"); }

  async stop(): Promise<void> {
    this.resume();
    await this.kill("SIGTERM");
  }
}
