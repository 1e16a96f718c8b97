// The barrel: every policy of the pack, in the order the docs list them.
// Nothing here constructs the PolicyPack (a second one in a process exits it, docs/facts.md §2).

import type { OpenClawPolicy } from "./framework";
import { imagePinnedByDigest } from "./pinning";
import { heapCapWithinLimit, memoryHeadroom, resourcesDeclared } from "./resources";
import { authRequiredOffLoopback, bindReachableFromService, portsAligned, probesAdmittedByNetworkPolicy } from "./network";
import { readinessMatchesTraffic, startupBudget } from "./probes";
import { restrictedSecurityContext } from "./security";
import { macRunsClusterRelease } from "./mac";
import { ingressReachesGateway, ingressTerminatesTls } from "./ingress";
import { gatewayRecognition, gatewayRunsInForeground, referencesResolvable, tokenFromSecret } from "./recognition";

export const policies: OpenClawPolicy[] = [
  // First: it records the recognition setting the others use (the engine runs them in this order).
  gatewayRecognition,
  gatewayRunsInForeground,
  imagePinnedByDigest,
  resourcesDeclared,
  memoryHeadroom,
  heapCapWithinLimit,
  bindReachableFromService,
  portsAligned,
  readinessMatchesTraffic,
  startupBudget,
  probesAdmittedByNetworkPolicy,
  authRequiredOffLoopback,
  tokenFromSecret,
  referencesResolvable,
  restrictedSecurityContext,
  macRunsClusterRelease,
  ingressReachesGateway,
  ingressTerminatesTls,
];

export const PACK_NAME = "openclaw-gateway";
export const PACK_DESCRIPTION =
  "OpenClaw Gateway on Kubernetes: pinning, headroom, bind, ports, probes and kubelet reachability (the runbook's thresholds as code).";

export type { OpenClawPolicy } from "./framework";
