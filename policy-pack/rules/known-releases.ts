// OpenClaw releases known to be broken for a deployment shape. One table: the
// stack config refuses them (as the release to ship and as the rollback target)
// and the diagnosis can name the reason when it sees the symptom.

export interface KnownBrokenRelease {
  release: string;
  /** The gateway auth modes it is broken with. */
  authModes: readonly string[];
  /** The binds it is broken with. */
  binds: readonly string[];
  /** What goes wrong, and the symptom an operator sees. */
  reason: string;
  /** The release to use instead. */
  use: string;
  /** Where it is tracked upstream. */
  ref: string;
}

export const KNOWN_BROKEN_RELEASES: readonly KnownBrokenRelease[] = [
  {
    release: "2026.8.1",
    authModes: ["token"],
    binds: ["lan"],
    reason:
      "with token auth and bind=lan it answers the probe routes (/healthz, /readyz, /startupz) with 403 to every off-loopback client (openclaw #134735): the kubelet's probes fail, the pods never become Ready and the Service has no endpoints",
    use: "2026.9.5 or later",
    ref: "openclaw #134735",
  },
];

/** The entry for a release broken with this auth mode and bind, if any (prerelease suffixes of it included). */
export function knownBrokenRelease(release: string, shape: { auth: string; bind: string }): KnownBrokenRelease | undefined {
  return KNOWN_BROKEN_RELEASES.find(
    (k) => (release === k.release || release.startsWith(`${k.release}-`)) && k.authModes.includes(shape.auth) && k.binds.includes(shape.bind),
  );
}
