/** Where `policy enforce` takes its user from (enforce/user-source.ts): the project config's users, a user file, and every way they can be wrong. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveUser } from "../../enforce/user-source.js";

const work = mkdtempSync(path.join(tmpdir(), "user-source-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const sub = path.join(work, "project", "deep");
mkdirSync(sub, { recursive: true });
writeFileSync(path.join(work, "project", "policy.config.json"), JSON.stringify({
  user_claims: { clearance: "number", projects: "string[]" },
  users: { bob: { roles: ["analyst"], claims: { clearance: 1, projects: ["p1"] }, manager: "carol" }, eve: { claims: { clearance: "top" } } },
}));

describe("resolveUser", () => {
  it("finds the config from the working folder upwards and returns the record with its id", () => {
    expect(resolveUser({ user: "bob", cwd: sub })).toEqual({ id: "bob", roles: ["analyst"], claims: { clearance: 1, projects: ["p1"] }, manager: "carol" });
    expect(resolveUser({ cwd: sub })).toBeUndefined();
  });
  it("--config names the file; --user-file reads one record", () => {
    expect(resolveUser({ user: "bob", config: path.join(work, "project", "policy.config.json"), cwd: work })?.id).toBe("bob");
    const f = path.join(work, "alice.json");
    writeFileSync(f, JSON.stringify({ $schema: "../schemas/user.schema.json", id: "alice", groups: ["eng"] }));
    expect(resolveUser({ userFile: f, cwd: work })).toEqual({ id: "alice", groups: ["eng"] });
  });
  it("refuses an unknown user, a claim of the wrong declared type, no config, a bad file, both flags", () => {
    expect(() => resolveUser({ user: "bbo", cwd: sub })).toThrow(/has no user "bbo" \(did you mean "bob"\?\)/);
    expect(() => resolveUser({ user: "eve", cwd: sub })).toThrow(/claim "clearance" is declared number in "user_claims", but the user has "top"/);
    expect(() => resolveUser({ user: "bob", cwd: path.parse(work).root })).toThrow(/no policy.config.json in this folder or above it/);
    const bad = path.join(work, "bad.json");
    writeFileSync(bad, JSON.stringify({ id: "x", role: ["admin"] }));
    expect(() => resolveUser({ userFile: bad, cwd: work })).toThrow(/bad\.json:1:\d+: \/: unknown property "role"/);
    expect(() => resolveUser({ userFile: path.join(work, "missing.json"), cwd: work })).toThrow(/cannot read user file .*missing\.json: ENOENT/);
    expect(() => resolveUser({ user: "bob", userFile: bad, cwd: work })).toThrow("give --user or --user-file, not both");
  });
});
