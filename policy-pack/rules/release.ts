// Same release on both tracks (runbook §4 step 7, §7): the Mac contrast node must run
// the release the cluster image was built from, or the contrast proves nothing.
// Pure: shared by config validation (components/mac/config.ts) and the stack policy
// `mac-runs-cluster-release` (policy-pack/policies/mac.ts).
import { checkImagePinned } from "./image";

/** An OpenClaw release version as published on npm, e.g. `2026.9.6` or `2026.8.1-beta.3`. */
export const RELEASE_PATTERN = /^[0-9]{4}\.[0-9]{1,2}\.[0-9]{1,3}(?:-[0-9A-Za-z.-]+)?$/;

/**
 * A tagged image names its release twice; they must agree, or "the release this
 * digest was built from" is ambiguous. Upstream variant tags (`2026.9.6-slim`,
 * `-browser`) name the same release. Undefined when they agree or there is no tag.
 */
export function checkTagMatchesRelease(imageRef: string, release: string): string | undefined {
  const image = checkImagePinned(imageRef);
  const tag = image.ok ? image.ref.tag : undefined;
  if (tag === undefined || tag === release || tag.startsWith(`${release}-`)) return undefined;
  return `tag "${tag}" differs from image.release "${release}"; set image.release to the release the digest was built from, or make the tag "${release}"`;
}

export interface MacReleaseInput {
  /** What the cluster runs: `image.ref` and `image.release` of the root config. */
  clusterImageRef: string;
  clusterRelease: string;
  /** What the Mac runs. */
  macMode: "native" | "container";
  macRelease: string;
  /** Container mode only: the image the Mac pulls. */
  macImageRef?: string;
}

/**
 * Every reason the Mac does not run the cluster's release, each naming the key and
 * the value that would be right. Empty when they agree.
 */
export function checkMacRunsClusterRelease(input: MacReleaseInput): string[] {
  const problems: string[] = [];
  const cluster = checkImagePinned(input.clusterImageRef);
  if (!RELEASE_PATTERN.test(input.macRelease)) {
    problems.push(`mac.release "${input.macRelease}" is not an OpenClaw release version; set it to "${input.clusterRelease}" (image.release)`);
  } else if (input.macRelease !== input.clusterRelease) {
    problems.push(
      `mac.release "${input.macRelease}" differs from the cluster's image.release "${input.clusterRelease}"; ` +
        `set mac.release to "${input.clusterRelease}" so the Mac contrasts the same release (runbook step 7)`,
    );
  }
  if (input.macMode === "container") {
    if (input.macImageRef === undefined || input.macImageRef === "") {
      problems.push(`mac.container.image is not set; in container mode set it to "${input.clusterImageRef}" (image.ref)`);
    } else {
      const mac = checkImagePinned(input.macImageRef);
      if (!mac.ok) {
        problems.push(`mac.container.image: ${mac.reason}; set it to "${input.clusterImageRef}" (image.ref)`);
      } else if (cluster.ok && mac.ref.digest !== cluster.ref.digest) {
        problems.push(
          `mac.container.image digest ${mac.ref.digest} differs from the cluster's image.ref digest ${cluster.ref.digest}; ` +
            `set mac.container.image to "${input.clusterImageRef}"`,
        );
      }
    }
  }
  return problems;
}
