/** Awaiting an expected failure in tests: one place for the then/instanceof dance. */
import { expect } from "vitest";
import { VcfAgentError } from "../src/errors.js";

/**
 * The error `p` rejects with, checked to be an instance of `type` (VcfAgentError unless
 * named); fails the test when `p` resolves or rejects with anything else.
 */
export function rejection(p: Promise<unknown>): Promise<VcfAgentError>;
export function rejection<E extends Error>(p: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E>;
export async function rejection(p: Promise<unknown>, type: abstract new (...args: never[]) => Error = VcfAgentError): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as Error;
}
