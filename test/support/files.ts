/** Finds fixture and example files. */
import { readdirSync } from "node:fs";
import { join } from "node:path";

export function policyFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".policy")) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}
