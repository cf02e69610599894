/**
 * The file resolver of `$ref`s in imported documents: a referenced file is read only when its real
 * path (symbolic links followed) lies under one of the allowed roots, the document's folder by
 * default. An imported document is data from a pull request; it must never read the machine.
 */
import { readFile, realpath } from "node:fs/promises";
import path from "node:path";
import { isUnder } from "../../compiler/inside-root.js";
import { ResolverError, type FileInfo, type ResolverOptions } from "@apidevtools/json-schema-ref-parser";
import { isFileSystemPath, toFileSystemPath } from "@apidevtools/json-schema-ref-parser/dist/lib/util/url.js";

/** `ioErrorCode` of the error a `$ref` outside every allowed root gets. */
export const OUTSIDE_ROOT = "EOUTSIDEROOT";

async function real(p: string): Promise<string> {
  try { return await realpath(p); } catch { return path.resolve(p); }
}

/** A replacement for the parser's file resolver that refuses files outside `roots`. */
export function containedFileResolver(roots: readonly string[]): Partial<ResolverOptions> {
  return {
    order: 100,
    canRead: (file: FileInfo) => isFileSystemPath(file.url),
    read: async (file: FileInfo) => {
      const wanted = toFileSystemPath(file.url);
      const [actual, ...allowed] = await Promise.all([real(wanted), ...roots.map(real)]);
      if (!allowed.some((r) => isUnder(actual!, r))) {
        const err = Object.assign(new Error(`$ref to "${wanted}" is outside the allowed folder${roots.length > 1 ? "s" : ""} ${roots.map((r) => `"${r}"`).join(", ")}`), { code: OUTSIDE_ROOT });
        throw new ResolverError(err, wanted);
      }
      try {
        return await readFile(actual!);
      } catch (e) {
        throw new ResolverError(Object.assign(new Error(`cannot read "${wanted}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`), { code: (e as NodeJS.ErrnoException).code }), wanted);
      }
    },
  };
}
