// The controller side of a native Mac install: the machine running `pulumi up`
// resolves the release's recorded lockfile with the user's own npm (its CA file,
// registry, proxy), checks every tarball against the lockfile's integrity, and
// packs them with an offline lockfile into one tar file that CopyToRemote ships
// verbatim. The Mac never talks to a package registry: it checks the tar's sha256
// (recorded here) and runs `npm ci --offline` against the tarballs inside.
//
//   <cache>/mac-packs/<releaseId>.tar      package.json, package-lock.json (offline),
//                                          tarballs/<npm pack file name>, SHA256SUMS
//
// The tar is byte-for-byte reproducible from the lockfile (sorted entries, fixed
// mtime/owner/mode), so its sha256 only changes when the lockfile does.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { ReleaseRecord } from "./release";

class MacPackError extends Error {}

export interface LockedTarball {
  /** `name@version`, what `npm pack` fetches. */
  spec: string;
  name: string;
  version: string;
  integrity: string;
}

interface LockEntry {
  name?: string;
  version?: string;
  integrity?: string;
  resolved?: string;
  inBundle?: boolean;
  link?: boolean;
}
interface Lockfile {
  packages?: Record<string, LockEntry>;
}

const packageNameOf = (key: string, entry: LockEntry) => entry.name ?? key.slice(key.lastIndexOf("node_modules/") + "node_modules/".length);

/**
 * Every tarball the lockfile pins, for every platform (optional packages for other
 * operating systems included: the Mac's npm picks its own). Bundled and linked
 * entries have no tarball of their own.
 */
export function lockedTarballs(lockfileText: string): LockedTarball[] {
  const lock = JSON.parse(lockfileText) as Lockfile;
  const bySpec = new Map<string, LockedTarball>();
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    if (key === "" || entry.inBundle || entry.link) continue;
    const name = packageNameOf(key, entry);
    if (!entry.version || !entry.integrity) throw new MacPackError(`lockfile entry ${key} has no version or integrity; record the lockfile again (npm run mac:lock)`);
    const spec = `${name}@${entry.version}`;
    const seen = bySpec.get(spec);
    if (seen && seen.integrity !== entry.integrity) throw new MacPackError(`lockfile pins ${spec} with two integrities (${seen.integrity}, ${entry.integrity})`);
    bySpec.set(spec, { spec, name, version: entry.version, integrity: entry.integrity });
  }
  return [...bySpec.values()].sort((a, b) => (a.spec < b.spec ? -1 : 1));
}

/** The file name `npm pack` gives a package: scope without `@`, `/` as `-`. */
export function packFileName(name: string, version: string): string {
  return `${name.replace(/^@/, "").replace(/\//g, "-")}-${version}.tgz`;
}

/**
 * The lockfile the Mac installs from: the recorded one with every tarball entry
 * resolved to its file in the pack. Integrity fields stay as recorded, so npm on
 * the Mac still checks each tarball against the hash committed in the repository.
 */
export function offlineLockfile(lockfileText: string, dir = "tarballs"): string {
  const lock = JSON.parse(lockfileText) as Lockfile;
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    if (key === "" || entry.inBundle || entry.link || !entry.integrity) continue;
    entry.resolved = `file:${dir}/${packFileName(packageNameOf(key, entry), entry.version!)}`;
  }
  return JSON.stringify(lock, null, 2) + "\n";
}

/** sha512 integrity string (`sha512-<base64>`) of a buffer, as npm writes it. */
export function integrityOf(algorithm: string, data: Buffer): string {
  return `${algorithm}-${createHash(algorithm).update(data).digest("base64")}`;
}

function checkIntegrity(t: LockedTarball, data: Buffer): void {
  const [algorithm] = t.integrity.split("-", 1);
  if (!["sha512", "sha384", "sha256", "sha1"].includes(algorithm)) throw new MacPackError(`${t.spec}: unsupported integrity ${t.integrity}`);
  const got = integrityOf(algorithm, data);
  if (!t.integrity.split(/\s+/).includes(got)) {
    throw new MacPackError(`${t.spec}: the tarball npm fetched has ${got}, the lockfile pins ${t.integrity}; refusing to ship it (a registry mirror or proxy served other bytes)`);
  }
}

// --- a minimal, reproducible ustar writer (tar -xf on macOS and Linux reads it)

function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  let prefix = "";
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", 155);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(base) > 100 || Buffer.byteLength(prefix) > 155) throw new MacPackError(`path too long for ustar: ${name}`);
  }
  const field = (s: string, off: number, len: number) => h.write(s, off, len, "utf8");
  const octal = (n: number, off: number, len: number) => field(n.toString(8).padStart(len - 1, "0") + "\0", off, len);
  field(base, 0, 100);
  octal(0o644, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(0, 136, 12); // mtime: fixed, so the tar's sha256 depends on content only
  h.fill(" ", 148, 156);
  field("0", 156, 1);
  field("ustar\0", 257, 6);
  field("00", 263, 2);
  field(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  field(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}

/** Writes regular files (name → path or content) as a tar, in the given order. */
export function writeTar(out: string, files: { name: string; data: Buffer }[]): void {
  const fd = fs.openSync(out, "w", 0o600);
  try {
    for (const f of files) {
      fs.writeSync(fd, tarHeader(f.name, f.data.length));
      fs.writeSync(fd, f.data);
      const pad = (512 - (f.data.length % 512)) % 512;
      if (pad) fs.writeSync(fd, Buffer.alloc(pad));
    }
    fs.writeSync(fd, Buffer.alloc(1024));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const sha256Hex = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

export function sha256File(file: string): string {
  const h = createHash("sha256");
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.alloc(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest("hex");
}

// --- the user's own npm

/**
 * How to run the user's npm so it reads the same configuration as `npm` in their
 * shell: npm takes its global npmrc (CA file, registry, proxy) from the prefix of
 * the node that runs it, so it runs under the node of its own installation
 * (`<prefix>/bin/node` beside `<prefix>/lib/node_modules/npm`), never under the
 * project's Node 24 that `npm run` and the engine put first on PATH.
 * OPENCLAW_NPM overrides (a path to an npm executable).
 */
export function userNpm(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.OPENCLAW_NPM) return [env.OPENCLAW_NPM];
  const shadowing = (dir: string) => /node_modules\/\.bin\/?$/.test(dir) || /openclaw-gateway-infra\/toolchain\//.test(dir);
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir || shadowing(dir)) continue;
    const candidate = path.join(dir, "npm");
    if (!fs.existsSync(candidate)) continue;
    const cli = fs.realpathSync(candidate);
    // .../lib/node_modules/npm/bin/npm-cli.js → prefix ...
    const pkg = path.dirname(path.dirname(cli));
    const prefix = path.dirname(path.dirname(path.dirname(pkg)));
    const node = path.join(prefix, "bin", "node");
    if (path.basename(pkg) === "npm" && cli.endsWith(".js") && fs.existsSync(node)) return [node, cli];
    return [candidate];
  }
  throw new MacPackError("no npm on PATH to resolve the Mac's release with; install npm or set OPENCLAW_NPM to your npm");
}

export interface PackedRelease {
  /** Absolute path of the tar on the controller. */
  file: string;
  sha256: string;
  bytes: number;
  tarballs: number;
}

function packCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.OPENCLAW_INFRA_CACHE ?? path.join(os.homedir(), ".cache", "openclaw-gateway-infra"), "mac-packs");
}

/**
 * The release's tar, built once per lockfile and reused while its recorded sha256
 * still matches (a damaged cache entry is rebuilt). Tarballs come from `npm pack`
 * run with the user's npm and configuration; each is checked against the lockfile.
 */
export function packRelease(record: ReleaseRecord, releaseId: string, o: { cacheDir?: string; npm?: string[]; log?: (s: string) => void } = {}): PackedRelease {
  const cacheDir = o.cacheDir ?? packCacheDir();
  const file = path.join(cacheDir, `${releaseId}.tar`);
  const sumFile = `${file}.sha256`;
  fs.mkdirSync(cacheDir, { recursive: true });
  const tarballs = lockedTarballs(record.lockfile);
  if (fs.existsSync(file) && fs.existsSync(sumFile)) {
    const recorded = fs.readFileSync(sumFile, "utf8").trim();
    if (sha256File(file) === recorded) return { file, sha256: recorded, bytes: fs.statSync(file).size, tarballs: tarballs.length };
  }
  const work = fs.mkdtempSync(path.join(cacheDir, `.pack-${releaseId}-`));
  try {
    const npm = o.npm ?? userNpm();
    o.log?.(`packing openclaw@${record.release}: npm pack of ${tarballs.length} tarballs with ${npm.join(" ")}`);
    // --ignore-scripts: nothing of the release runs on the controller. --prefer-offline: cached
    // tarballs are fine, every one is checked against the lockfile below.
    const argv = [...npm.slice(1), "pack", "--ignore-scripts", "--prefer-offline", "--silent", "--pack-destination", work, ...tarballs.map((t) => t.spec)];
    try {
      execFileSync(npm[0], argv, { cwd: work, stdio: ["ignore", "ignore", "pipe"], maxBuffer: 64 << 20 });
    } catch (e) {
      const stderr = String((e as { stderr?: Buffer }).stderr ?? "").split("\n").filter((l) => l.trim()).slice(-8).join("\n");
      throw new MacPackError(`npm pack of openclaw@${record.release}'s ${tarballs.length} locked tarballs failed (${npm.join(" ")}):\n${stderr}`);
    }
    const files: { name: string; data: Buffer }[] = [
      { name: "package.json", data: Buffer.from(record.packageJson) },
      { name: "package-lock.json", data: Buffer.from(offlineLockfile(record.lockfile)) },
    ];
    for (const t of tarballs) {
      const name = packFileName(t.name, t.version);
      const p = path.join(work, name);
      if (!fs.existsSync(p)) throw new MacPackError(`npm pack did not write ${name} for ${t.spec}`);
      const data = fs.readFileSync(p);
      checkIntegrity(t, data);
      files.push({ name: `tarballs/${name}`, data });
    }
    files.push({ name: "SHA256SUMS", data: Buffer.from(files.map((f) => `${sha256Hex(f.data)}  ${f.name}`).join("\n") + "\n") });
    const tmp = path.join(work, "pack.tar");
    writeTar(tmp, files);
    const sha256 = sha256File(tmp);
    fs.renameSync(tmp, file);
    fs.writeFileSync(sumFile, `${sha256}\n`);
    return { file, sha256, bytes: fs.statSync(file).size, tarballs: tarballs.length };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
