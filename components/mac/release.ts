// The release the Mac runs: the recorded npm lockfile of an OpenClaw release (native mode) with
// the integrity hashes npm ci verifies, or the image digest (container mode). Reads the
// lockfile from components/mac/releases/<release>/ (npm run mac:lock records it).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex");

const RELEASES_DIR = path.resolve(__dirname, "releases");

/** The npm lockfile of a release, with the integrity hashes npm ci verifies (runbook matrix: "checksum + lockfiles"). */
export interface ReleaseRecord {
  release: string;
  packageJson: string;
  lockfile: string;
  lockSha256: string;
  /** `sha512-…` of the openclaw tarball itself, from the lockfile. */
  integrity: string;
  /** Number of packages whose integrity the lockfile records. */
  packages: number;
}

export class MacReleaseError extends Error {}

export function loadReleaseRecord(release: string, lockfileDir?: string): ReleaseRecord {
  const dir = lockfileDir ? path.resolve(lockfileDir) : path.join(RELEASES_DIR, release);
  const lockPath = path.join(dir, "package-lock.json");
  if (!fs.existsSync(lockPath)) {
    throw new MacReleaseError(
      `mac.release "${release}" has no recorded lockfile at ${lockPath}; record it with \`npm run mac:lock -- ${release}\` ` +
        `(or point mac.native.lockfileDir at a directory holding package.json and package-lock.json)`,
    );
  }
  const lockfile = fs.readFileSync(lockPath, "utf8");
  const packageJson = fs.readFileSync(path.join(dir, "package.json"), "utf8");
  const lock = JSON.parse(lockfile) as { packages?: Record<string, { version?: string; integrity?: string }> };
  const pkg = lock.packages?.["node_modules/openclaw"];
  if (!pkg || pkg.version !== release || !pkg.integrity) {
    throw new MacReleaseError(`${lockPath} locks openclaw ${pkg?.version ?? "(none)"}, not mac.release "${release}"; record the lockfile again`);
  }
  const packages = Object.values(lock.packages ?? {}).filter((p) => p.integrity).length;
  return { release, packageJson, lockfile, lockSha256: sha256(lockfile), integrity: pkg.integrity, packages };
}

/** The image digest of `repo[:tag]@sha256:…`. */
export function imageDigest(ref: string): string {
  return ref.slice(ref.indexOf("@") + 1);
}

