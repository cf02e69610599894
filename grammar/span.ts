/**
 * Source spans: UTF-16 offsets (as the LSP counts) with 1-based line/column derived from them.
 */

/** A range in one source file. `line`/`column` are 1-based; offsets are UTF-16 code units. */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/** Maps offsets to line/column for one text. */
export class LineMap {
  private readonly starts: number[] = [0];
  constructor(readonly file: string, readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      }
    }
  }

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - this.starts[lo]! + 1 };
  }

  /** Offset of a 1-based line/column. */
  offset(line: number, column: number): number {
    const s = this.starts[Math.max(0, Math.min(line - 1, this.starts.length - 1))]!;
    return Math.min(this.text.length, s + column - 1);
  }

  lineText(line: number): string {
    const s = this.starts[line - 1];
    if (s === undefined) return "";
    const e = this.starts[line] ?? this.text.length;
    return this.text.slice(s, e).replace(/\r?\n$|\r$/, "");
  }

  get lineCount(): number {
    return this.starts.length;
  }

  span(start: number, end: number): Span {
    const a = this.position(start);
    const b = this.position(end);
    return { file: this.file, start, end, line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }
}

/** The smallest span covering both. */
export function joinSpans(a: Span, b: Span): Span {
  const first = a.start <= b.start ? a : b;
  const last = a.end >= b.end ? a : b;
  return {
    file: a.file,
    start: first.start,
    end: last.end,
    line: first.line,
    column: first.column,
    endLine: last.endLine,
    endColumn: last.endColumn,
  };
}

/** A span for things that were synthesised rather than parsed. */
export function syntheticSpan(file = "<generated>"): Span {
  return { file, start: 0, end: 0, line: 1, column: 1, endLine: 1, endColumn: 1 };
}
