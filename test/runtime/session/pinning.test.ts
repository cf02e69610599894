/** Revision pinning: sessions already running keep the revision they started with (SPEC §8). */
import { describe, expect, it } from "vitest";
import { createEnforcer, MemoryStore } from "../../../runtime/index.js";
import { compile, request } from "./helpers.js";

const R1 = `policy "Read-only GitHub" { id github-readonly
  if integration is GitHub
  if operation in [Write, Delete]
  action block }`;
const R2 = R1 + `
policy "No Linear deletes" { id no-linear-delete
  if tool is linear.delete_issue
  action block }`;
const T = "2026-11-23T10:00:00Z";

describe("revision pinning", () => {
  it("in one process: a bundle reload leaves running sessions on their revision, new ones get the new one", () => {
    const r1 = compile(R1);
    const r2 = compile(R2);
    const e = createEnforcer(r1);
    expect(e.decide(request(T, "linear.list_issues", {}, { session: "running" })).revision).toBe(r1.revision);
    expect(e.load(r2)).toBe(true);
    expect(e.revision).toBe(r2.revision);
    const old = e.decide(request(T, "linear.delete_issue", { id: "LIN-1" }, { session: "running" }));
    expect(old).toMatchObject({ effect: "allow", revision: r1.revision });
    const fresh = e.decide(request(T, "linear.delete_issue", { id: "LIN-1" }, { session: "fresh" }));
    expect(fresh).toMatchObject({ effect: "block", revision: r2.revision, policy: { id: "no-linear-delete" } });
    // Loading the same revision again changes nothing for either.
    e.load(r2);
    expect(e.decide(request(T, "linear.delete_issue", { id: "LIN-1" }, { session: "running" })).revision).toBe(r1.revision);
  });

  it("without session conditions too (the store is consulted once several revisions are loaded)", () => {
    const r1 = compile(R1);
    const r2 = compile(R2);
    const store = new MemoryStore();
    const a = createEnforcer(r1, { store });
    const b = createEnforcer(r1, { store });
    a.decide(request(T, "linear.list_issues", {}, { session: "s" }));
    b.load(r2);
    // Replica b never saw session s, but the shared store pinned it to r1.
    expect(b.decide(request(T, "linear.delete_issue", { id: "LIN-1" }, { session: "s" }))).toMatchObject({ effect: "allow", revision: r1.revision });
    expect(b.decide(request(T, "linear.delete_issue", { id: "LIN-1" }, { session: "t" }))).toMatchObject({ effect: "block", revision: r2.revision });
  });
});
