// Records the npm lockfile of an OpenClaw release for the Mac's native mode (runbook
// matrix: "checksum + lockfiles"): components/mac/releases/<release>/package.json and
// package-lock.json. The controller packs the tarballs this lockfile pins and the Mac
// installs them offline, each checked against its integrity hash. Commit both files.
//   npm run mac:lock -- 2026.9.6
// Resolution runs with the user's own npm and configuration (registry, CA, proxy).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { RELEASE_PATTERN } from "../../policy-pack/rules/release";
import { userNpm } from "../../components/mac/pack";
import { parseCommandLine, usageExit } from "./lib/args";

export const RELEASES_DIR = path.resolve(__dirname, "../../components/mac/releases");

/** The release directory, or why the argument is refused. Never a path outside RELEASES_DIR. */
export function releaseDir(release: string | undefined, root = RELEASES_DIR): { dir: string } | { error: string } {
  if (release === undefined) return { error: "usage: npm run mac:lock -- <release, e.g. 2026.9.6>" };
  if (!RELEASE_PATTERN.test(release)) {
    return { error: `${JSON.stringify(release)} is not an OpenClaw release version such as 2026.9.6 (pattern ${RELEASE_PATTERN.source})` };
  }
  const dir = path.resolve(root, release);
  if (path.dirname(dir) !== root || path.basename(dir) !== release) return { error: `${JSON.stringify(release)} does not name a directory directly under ${root}` };
  return { dir };
}

export function releasePackageJson(release: string): string {
  return JSON.stringify(
    {
      name: "openclaw-gateway-release",
      version: release,
      private: true,
      description: `The OpenClaw gateway release ${release} as installed on the Mac contrast node (packed from the lockfile beside this file).`,
      dependencies: { openclaw: release },
    },
    null,
    2,
  ) + "\n";
}

const USAGE = [
  "usage: npm run mac:lock -- <release>",
  "  <release>  the OpenClaw release to record, e.g. 2026.9.6: writes components/mac/releases/<release>/package.json and package-lock.json",
].join("\n");

function main(argv: string[]): number {
  const { positionals } = parseCommandLine({ name: "mac:lock", usage: USAGE, options: {}, positionals: 1 }, argv);
  if (positionals.length !== 1) usageExit("mac:lock", "name the release to record, e.g. 2026.9.6");
  const release = positionals[0];
  const r = releaseDir(release);
  if ("error" in r) {
    console.error(`mac:lock: ${r.error}`);
    return 1;
  }
  fs.mkdirSync(r.dir, { recursive: true });
  fs.writeFileSync(path.join(r.dir, "package.json"), releasePackageJson(release));
  fs.rmSync(path.join(r.dir, "package-lock.json"), { force: true });
  const npm = userNpm();
  // Resolution only: no install scripts run and nothing is downloaded but metadata.
  execFileSync(npm[0], [...npm.slice(1), "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: r.dir,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const lock = JSON.parse(fs.readFileSync(path.join(r.dir, "package-lock.json"), "utf8")) as { packages?: Record<string, { version?: string; integrity?: string }> };
  const locked = lock.packages?.["node_modules/openclaw"]?.version;
  if (locked !== release) {
    console.error(`mac:lock: npm locked openclaw ${locked ?? "(none)"}, not ${release}`);
    return 1;
  }
  const n = Object.values(lock.packages ?? {}).filter((p) => p.integrity).length;
  console.error(`mac:lock: recorded openclaw@${release} with ${n} integrity hashes in ${r.dir}`);
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
