/**
 * Blobs that are text. An upstream may serve a text resource as a base64 `blob` (a `.env` file as
 * `application/octet-stream`), and binary data is not text to the response policies
 * (runtime/response.ts): they would not read it, though the agent's client shows it. So, before a
 * result is decided, a `blob` whose bytes are UTF-8 text (no control characters but tab, line
 * feed, carriage return and form feed) becomes the `text` it stands for (same item, `text` for
 * `blob`); what is decided, recorded and forwarded is that text. Other blobs (images, archives,
 * text in other encodings) stay binary and are not inspected (docs/enforce.md says so).
 */

/** Deepest nesting walked; deeper parts are left as they are (the runtime withholds such a result). */
const MAX_DEPTH = 64;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/;

/** The text a base64 blob stands for, or undefined when it is not UTF-8 text. */
export function blobText(blob: string): string | undefined {
  if (!BASE64.test(blob)) return undefined;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(blob, "base64"));
  } catch {
    return undefined;
  }
  return CONTROL.test(text) ? undefined : text;
}

/** `v` with every text blob turned into its `text` (the same value when there is none). */
export function textBlobs(v: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return v;
  if (Array.isArray(v)) {
    const out = v.map((x) => textBlobs(x, depth + 1));
    return out.some((x, i) => x !== v[i]) ? out : v;
  }
  if (!isObj(v)) return v;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(v)) {
    const x = v[k];
    const y = textBlobs(x, depth + 1);
    if (y !== x) (out ??= { ...v })[k] = y;
  }
  const blob = v["blob"];
  if (typeof blob === "string" && v["text"] === undefined) {
    const text = blobText(blob);
    if (text !== undefined) {
      const { blob: _b, ...rest } = out ?? v;
      void _b;
      return { ...rest, text };
    }
  }
  return out ?? v;
}
