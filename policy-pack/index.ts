// The only module that constructs the PolicyPack: constructing it binds a gRPC server
// and keeps the process alive, and a second one in a process exits it (docs/facts.md §2).
// Tests, the manifest checker and the benchmark import ./policies instead.
import { PolicyPack } from "@pulumi/policy";
import { PACK_DESCRIPTION, PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, {
  description: PACK_DESCRIPTION,
  enforcementLevel: "advisory",
  policies,
});
