/** The shell parser's limit, apart from the parser (which loads WebAssembly) so that the limits table can list it. */

/** Deepest nesting of a shell line's syntax tree walked (`$($($(…)))`); deeper lines are unknown. */
export const MAX_SHELL_DEPTH = 200;
