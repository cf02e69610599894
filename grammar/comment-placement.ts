/**
 * Where the formatter puts a file's comments and the blank lines it keeps: one model, used by the
 * printer (`policy fmt`) and by the JSON export (which must place comments exactly as the printer
 * does, so that the import prints them back in the same places).
 *
 * The rules: comments are handed out in source order. A comment that starts before a line goes on
 * its own line before it; a comment inside a multi-line line moves before it; a comment that starts
 * on a line's last source line (and, in a block, before the next child) stays at its end. A blank
 * line of the source between two things (comments, declarations, lines of a block) is kept, at most
 * one, and none right after `{`.
 */
import type * as A from "./ast.js";

export interface Placed {
  readonly span: { readonly start: number; readonly end: number; readonly line: number; readonly endLine: number };
}

/** What the placement emits, in order, besides the lines themselves. */
export interface PlacementSink {
  /** A comment on its own line, at `depth`. */
  comment(text: string, depth: number): void;
  /** A blank line of the source that is kept. */
  blank(): void;
}

export class CommentPlacement {
  private next = 0;
  /** Source line where the last placed thing ended; undefined before anything (or for synthesised lines). */
  private lastLine: number | undefined;
  private afterOpen = false;
  private readonly comments: readonly A.CommentNode[];

  constructor(comments: readonly A.CommentNode[], private readonly sink: PlacementSink) {
    this.comments = [...comments].sort((a, b) => a.span.start - b.span.start);
  }

  /** A blank line before something starting on `line`, when the source has one there. */
  private gap(line: number): void {
    if (this.lastLine !== undefined && line > this.lastLine + 1 && !this.afterOpen) this.sink.blank();
  }

  private mark(endLine: number): void {
    this.lastLine = endLine;
    this.afterOpen = false;
  }

  private take(depth: number): void {
    const c = this.comments[this.next++]!;
    this.gap(c.span.line);
    this.sink.comment(c.text.trimEnd(), depth);
    this.mark(c.span.endLine);
  }

  /** Comments that start before `offset`, each on its own line. */
  leading(offset: number, depth: number): void {
    while (this.next < this.comments.length && this.comments[this.next]!.span.start < offset) this.take(depth);
  }

  /**
   * Before a line for `node`: its leading comments, the comments inside it, and the blank line
   * before it. Returns the comment that stays at the line's end (one starting before `endLimit`).
   */
  line(node: Placed, depth: number, endLimit?: number): string | undefined {
    this.leading(node.span.start, depth);
    while (this.next < this.comments.length && this.comments[this.next]!.span.end <= node.span.end && this.comments[this.next]!.span.endLine < node.span.endLine) this.take(depth);
    const c = this.comments[this.next];
    let trailing: string | undefined;
    if (c && c.span.line === node.span.endLine && c.span.start >= node.span.start && (endLimit === undefined || c.span.start < endLimit)) {
      trailing = c.text.trimEnd();
      this.next++;
    }
    this.gap(node.span.line);
    this.mark(node.span.endLine);
    return trailing;
  }

  /** Before a block's opening line: as `line`, the comment at its end being one before the first child. */
  open(node: Placed, depth: number, firstChild: number | undefined): string | undefined {
    this.leading(node.span.start, depth);
    const c = this.comments[this.next];
    let trailing: string | undefined;
    if (c && c.span.line === node.span.line && (firstChild === undefined || c.span.start < firstChild)) {
      trailing = c.text.trimEnd();
      this.next++;
    }
    this.gap(node.span.line);
    this.mark(node.span.line);
    this.afterOpen = true;
    return trailing;
  }

  /** A block's closing `}` (on source line `endLine`). */
  close(endLine: number): void {
    this.mark(endLine);
  }

  /** A line with no source position (a synthesised tree). */
  synthesised(): void {
    this.afterOpen = false;
  }

  /** The comments after the last declaration. */
  rest(): void {
    this.leading(Number.POSITIVE_INFINITY, 0);
  }
}
