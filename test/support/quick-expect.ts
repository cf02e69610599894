/**
 * Assertions for the hot loops of property tests (thousands of events per test): the same check as
 * `expect(actual, message).toEqual(expected)` / `.toBe(expected)`, but vitest's assertion machinery
 * (about a quarter of a millisecond a call) and the failure message are paid for only when the
 * values differ — then the failure is vitest's own, with its diff and the message.
 */
import { isDeepStrictEqual } from "node:util";
import { expect } from "vitest";

/** `expect(actual, message()).toEqual(expected)`. (Strictly equal values are `toEqual`-equal.) */
export function expectEqual<T>(actual: T, expected: T, message: () => string = () => ""): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual, message()).toEqual(expected);
}

/** `expect(actual, message()).toBe(expected)`. */
export function expectSame<T>(actual: T, expected: T, message: () => string = () => ""): void {
  if (!Object.is(actual, expected)) expect(actual, message()).toBe(expected);
}
