// @pulumi/policy 1.21.0 exports these at run time (index.js re-exports ./proxy), but its
// typings mark them @internal and strip them. The tests' harness and the stack policies
// must use the engine's own class and proxy: the engine tells an unknown value from a
// real error with `instanceof UnknownValueError`. Taken from its proxy module, the very
// module index.js re-exports (one instance, so `instanceof` holds): loading the package
// index would load @pulumi/pulumi and TypeScript, ~4 s, for two functions.
import * as policy from "@pulumi/policy/proxy";

export interface UnknownValueErrorShape extends Error {
  /** The property path that was unknown, e.g. ["spec", "template", "spec", "containers", "0", "image"]. */
  props: string[];
}

const internals = policy as unknown as {
  UnknownValueError: new (sentinel: string, props: string[]) => UnknownValueErrorShape;
  unknownCheckingProxy: <T extends object>(o: T) => T;
};

export const UnknownValueError = internals.UnknownValueError;
export const unknownCheckingProxy = internals.unknownCheckingProxy;

if (typeof UnknownValueError !== "function" || typeof unknownCheckingProxy !== "function") {
  throw new Error("@pulumi/policy no longer exports UnknownValueError/unknownCheckingProxy; pin @pulumi/policy 1.21.0");
}
