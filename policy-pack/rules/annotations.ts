// The `openclaw.ai/*` annotations the program stamps on the gateway workload and
// its pod template: facts a manifest alone cannot show (observed memory, cold
// start, node CIDRs, ingress sources) and release identity. The policies read
// them; the program writes them. One list, here.
export const ANNOTATIONS = {
  p95: "openclaw.ai/p95-working-set",
  bootPeak: "openclaw.ai/boot-peak",
  minRatio: "openclaw.ai/headroom-min-ratio",
  maxRatio: "openclaw.ai/headroom-max-ratio",
  reason: "openclaw.ai/headroom-reason",
  coldStart: "openclaw.ai/cold-start-seconds",
  kubeletCidrs: "openclaw.ai/kubelet-cidrs",
  ingressSources: "openclaw.ai/ingress-sources",
  release: "openclaw.ai/release",
  buildId: "openclaw.ai/build-id",
  configChecksum: "openclaw.ai/config-checksum",
} as const;
