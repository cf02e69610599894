/** Splits a command line into words the way a POSIX shell would for simple cases: quotes and backslashes. */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let q: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === q) q = undefined;
      else if (c === "\\" && q === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") { q = c; inWord = true; }
    else if (c === "\\" && i + 1 < line.length) { cur += line[++i]; inWord = true; }
    else if (/\s/.test(c)) { if (inWord) out.push(cur); cur = ""; inWord = false; }
    else { cur += c; inWord = true; }
  }
  if (inWord) out.push(cur);
  return out;
}
