/**
 * Canonical paths and URLs (runtime/canonical-*.ts): the rules by example, and properties —
 * the canonical form is a fixed point, equivalent spellings of a path have one canonical form, an
 * escaping path never equals an inside one, ambiguous spellings have none.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { canonicalPath, pathUnder, type PathContext } from "../../runtime/canonical-path.js";
import { canonicalHost, canonicalUrl, urlPart } from "../../runtime/canonical-url.js";
import { argPathSegments, canonicalArgs } from "../../runtime/canonical-args.js";

const ROOT: PathContext = { root: "/srv/sandbox", home: "/home/ada" };
const canon = (p: string, ctx = ROOT): string => {
  const r = canonicalPath(p, ctx);
  return "path" in r ? r.path : `AMBIGUOUS(${r.ambiguous})`;
};

describe("canonical paths", () => {
  it("resolve dot components, duplicate and trailing separators, the root and the home folder", () => {
    for (const p of ["secret.txt", "./secret.txt", "sub/../secret.txt", ".//secret.txt", "/srv/sandbox/secret.txt", "/srv//sandbox/./x/../secret.txt", "secret.txt/", "secret%2Etxt", "secret%252Etxt", "/srv\\sandbox\\secret.txt"]) {
      expect(canon(p), p).toBe("secret.txt");
    }
    expect(canon("/srv/sandbox")).toBe(".");
    expect(canon("")).toBe(".");
    expect(canon("a\\b")).toBe("a/b");
    expect(canon("~/.ssh/id_rsa")).toBe("/home/ada/.ssh/id_rsa");
    expect(canon("~")).toBe("/home/ada");
    expect(canon("~/.ssh", { root: "/home/ada" } )).toBe("~/.ssh");
    expect(canon("~/.ssh", { root: "/home/ada", home: "/home/ada" })).toBe(".ssh");
    expect(canon("~other/x")).toBe("~other/x");
    expect(canon("50%.txt")).toBe("50%.txt");
    expect(canon("cafe\u0301.txt")).toBe("caf\u00e9.txt"); // NFC
    expect(canon("C:\\Users\\ada", {})).toBe("C:/Users/ada");
  });

  it("keep escaping and outside paths absolute, never equal to an inside path", () => {
    expect(canon("../secret.txt")).toBe("/srv/secret.txt");
    expect(canon("sub/../../sandbox2/x")).toBe("/srv/sandbox2/x");
    expect(canon("/etc/passwd")).toBe("/etc/passwd");
    expect(canon("/../../etc/passwd")).toBe("/etc/passwd");
    expect(canon("../x", {})).toBe("../x");
    expect(canon("/srv/sandbox2/x")).toBe("/srv/sandbox2/x");
  });

  it("have no canonical form when servers could read them in more than one way", () => {
    for (const p of ["a\\b/../../secret.txt", "a%2Fb", "a%5Cb", "%2E%2E/etc/passwd", "sub/%2e%2e/secret.txt", "a\\..\\b", "a\\.\\b", "%FF.txt", "%252F"]) {
      expect(canon(p), p).toMatch(/^AMBIGUOUS/);
    }
  });

  it("under: component-wise, in the call's context", () => {
    expect(pathUnder(canon("/etc/passwd", {}), canon("/etc", {}))).toBe(true);
    expect(pathUnder(canon("/etc2/passwd", {}), canon("/etc", {}))).toBe(false);
    expect(pathUnder(canon("/etc", {}), canon("/etc", {}))).toBe(true);
    expect(pathUnder(canon("secrets/a"), canon("./secrets"), ROOT)).toBe(true);
    expect(pathUnder(canon("secrets2/a"), canon("./secrets"), ROOT)).toBe(false);
    expect(pathUnder(canon("x/.ssh/id"), canon("~/.ssh"), ROOT)).toBe(false);
    expect(pathUnder(canon("~/.ssh/id"), canon("~/.ssh"), ROOT)).toBe(true);
    expect(pathUnder(canon("/home/ada/.ssh/id"), canon("~/.ssh"), ROOT)).toBe(true);
    expect(pathUnder(canon("notes.txt"), canon("/"), ROOT)).toBe(true);
    expect(pathUnder(canon("notes.txt"), canon("/srv"), ROOT)).toBe(true);
    expect(pathUnder(canon("../x"), canon("."), ROOT)).toBe(false);
  });

  const segment = fc.oneof(fc.constantFrom("a", "b", "secret.txt", ".env", "sub", "é", "50%", "x y"), fc.stringMatching(/^[a-z0-9._-]{1,6}$/).filter((s) => s !== "." && s !== ".."));
  const inside = fc.array(segment, { minLength: 1, maxLength: 5 });
  const ctxArb = fc.constantFrom<PathContext>({}, ROOT, { root: "/srv/sandbox" }, { home: "/home/ada" });

  /** Spellings of the same path inside the root: `./`, `x/../`, `//`, percent-escapes, absolute, trailing `/`. */
  const spelling = (segs: readonly string[]) => fc.tuple(fc.array(fc.constantFrom("dot", "updown", "double", "escape", "none"), { minLength: segs.length, maxLength: segs.length }), fc.boolean(), fc.boolean()).map(([how, absolute, trailing]) => {
    const parts = segs.map((s, i) => {
      switch (how[i]) {
        case "dot": return `./${s}`;
        case "updown": return `zz/../${s}`;
        case "double": return `${s}/`;
        case "escape": return s.replace(/[.a-e%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
        default: return s;
      }
    });
    return (absolute ? "/srv/sandbox/" : "") + parts.join("/") + (trailing ? "/" : "");
  });

  it("property: the canonical form is a fixed point", () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }), ctxArb, (raw, ctx) => {
      const once = canonicalPath(raw, ctx);
      if (!("path" in once)) return;
      expect(canonicalPath(once.path, ctx)).toEqual(once);
    }), { numRuns: 3000 });
    fc.assert(fc.property(fc.array(fc.constantFrom("a", "..", ".", "", "%2E", "%25", "\\", "~", "/", "%41", "C:"), { maxLength: 8 }), ctxArb, (bits, ctx) => {
      const once = canonicalPath(bits.join("/"), ctx);
      if ("path" in once) expect(canonicalPath(once.path, ctx)).toEqual(once);
    }), { numRuns: 3000 });
  });

  it("property: equivalent spellings of a path have the canonical form of the plain one", () => {
    fc.assert(fc.property(inside.chain((segs) => fc.tuple(fc.constant(segs), spelling(segs))), ([segs, spelled]) => {
      expect(canon(spelled)).toBe(canon(segs.join("/")));
    }), { numRuns: 2000 });
  });

  it("property: a path that escapes the root never equals, nor is under, a path inside it", () => {
    fc.assert(fc.property(inside, inside, fc.integer({ min: 1, max: 4 }), (a, b, ups) => {
      const escaping = canon(`${"../".repeat(ups + 1)}${a.join("/")}`);
      const insideOne = canon(b.join("/"));
      expect(escaping).not.toBe(insideOne);
      expect(escaping.startsWith("/")).toBe(true);
      expect(pathUnder(escaping, insideOne, ROOT)).toBe(false);
    }), { numRuns: 1000 });
  });
});

describe("canonical URLs", () => {
  it("lower-case scheme and host, IDNA, default port dropped, user-info separated, dot segments resolved", () => {
    expect(canonicalUrl("HTTPS://GitHub.COM:443/acme/../x")).toBe("https://github.com/x");
    expect(canonicalUrl("https://github.com@evil.io/")).toBe("https://evil.io/");
    expect(canonicalUrl("https://user:pw@github.com/a")).toBe("https://github.com/a");
    expect(canonicalUrl("https://bücher.de/")).toBe("https://xn--bcher-kva.de/");
    expect(canonicalUrl("not a url")).toBe("not a url");
    expect(canonicalUrl("/relative/path")).toBe("/relative/path");
  });

  it("parts: host, scheme, path (escapes of unreserved characters decoded); none for a string that is not a URL", () => {
    expect(urlPart("https://GITHUB.com.attacker.io/x", "host")).toBe("github.com.attacker.io");
    expect(urlPart("https://github.com@evil.io/", "host")).toBe("evil.io");
    expect(urlPart("HTTP://x.io/", "scheme")).toBe("http");
    expect(urlPart("https://x.io/%61dmin/%2e%2e/b", "path")).toBe("/b");
    expect(urlPart("https://x.io/%61dmin/c", "path")).toBe("/admin/c");
    expect(urlPart("nonsense", "host")).toBeUndefined();
    expect(canonicalHost("GitHub.com")).toBe("github.com");
    expect(canonicalHost("bücher.de")).toBe("xn--bcher-kva.de");
    expect(canonicalHost("github.com/x")).toBeUndefined();
  });

  it("property: the canonical form is a fixed point", () => {
    const urlish = fc.tuple(fc.constantFrom("https://", "HTTP://", "ftp://", "", "mailto:"), fc.constantFrom("", "u:p@", "GitHub.com@"), fc.constantFrom("github.com", "GITHUB.COM", "bücher.de", "x.io:443", "x.io:8080", "[::1]"), fc.constantFrom("", "/", "/a/../b", "/%61", "/a b", "?q=1#f")).map((xs) => xs.join(""));
    fc.assert(fc.property(fc.oneof(urlish, fc.string({ maxLength: 20 })), (u) => {
      expect(canonicalUrl(canonicalUrl(u))).toBe(canonicalUrl(u));
    }), { numRuns: 2000 });
  });
});

describe("canonical arguments", () => {
  it("rewrite only the marked arguments, copy on write, through [*] and nested keys", () => {
    const args = { path: "./a/../secret.txt", paths: ["./x", "y/"], edits: [{ path: "/srv/sandbox/z" }], other: "./keep", url: "HTTPS://X.io/" };
    const r = canonicalArgs(args, { path: "path", "paths[*]": "path", "edits[*].path": "path", url: "url" }, ROOT);
    expect(r.args).toEqual({ path: "secret.txt", paths: ["x", "y"], edits: [{ path: "z" }], other: "./keep", url: "https://x.io/" });
    expect(args.path).toBe("./a/../secret.txt");
    expect(r.changed).toBe(true);
    const same = canonicalArgs({ path: "secret.txt" }, { path: "path" }, ROOT);
    expect(same.changed).toBe(false);
    expect(canonicalArgs({ paths: ["ok", "a%2Fb"] }, { "paths[*]": "path" }, ROOT).ambiguous).toBe("args.paths[1]: a percent-escape hides a separator");
    expect(argPathSegments("edits[*].path")).toEqual(["edits", "[*]", "path"]);
    expect(argPathSegments("argv[1]")).toEqual(["argv", "[1]"]);
  });
});
