// A network namespace the test owns, standing in for a pod's network namespace:
// a veth pair with a private /30 (10.231.<a>.<b>), the host end outside, the
// "pod IP" inside. Traffic only ever goes to these two addresses or to
// 127.0.0.1 inside the namespace (DEVELOPERS.md network rule). Needs root and
// iproute2 (`.ci/run` installs it).
import { execFileSync, spawnSync } from "node:child_process";

export interface Netns {
  name: string;
  /** Address of the host end of the veth pair (the "node" / other pod). */
  hostIp: string;
  /** Address inside the namespace: what a Service reaches (the pod IP). */
  podIp: string;
  /** argv prefix that runs a command inside the namespace. */
  execPrefix: string[];
  destroy(): void;
}

let counter = 0;
const live = new Set<Netns>();

function ip(args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

function subnetInUse(prefix: string): boolean {
  const r = spawnSync("ip", ["-4", "-o", "addr", "show"], { encoding: "utf8" });
  return r.stdout.includes(` ${prefix}`);
}

/** Whether this process may create namespaces (root + iproute2). */
export function netnsSupported(): { ok: boolean; why?: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: "network namespaces need root" };
  const r = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return { ok: false, why: `iproute2 missing or unusable: ${r.error?.message ?? r.stderr}` };
  return { ok: true };
}

export function createNetns(tag = "oc"): Netns {
  for (let tries = 0; tries < 20; tries++) {
    counter += 1;
    const id = `${process.pid % 100000}${counter}`;
    const name = `${tag}smk-${id}`;
    const vethHost = `vh${id}`.slice(0, 15);
    const vethPod = `vp${id}`.slice(0, 15);
    // 10.231.a.b/30: a from the pid, b in steps of 4 from the counter; skip subnets in use.
    const a = (process.pid + tries * 7) % 250 + 1;
    const b = ((counter * 4) % 252) + 0;
    const hostIp = `10.231.${a}.${b + 1}`;
    const podIp = `10.231.${a}.${b + 2}`;
    if (subnetInUse(hostIp) || subnetInUse(podIp)) continue;
    try {
      ip(["netns", "add", name]);
    } catch {
      continue; // name taken by a parallel run
    }
    const ns: Netns = {
      name,
      hostIp,
      podIp,
      execPrefix: ["ip", "netns", "exec", name],
      destroy() {
        live.delete(ns);
        // Kill whatever still runs in the namespace (a gateway left by a failed test).
        const pids = spawnSync("ip", ["netns", "pids", name], { encoding: "utf8" }).stdout?.split(/\s+/).filter(Boolean) ?? [];
        for (const p of pids) {
          try {
            process.kill(Number(p), "SIGKILL");
          } catch {
            /* already gone */
          }
        }
        spawnSync("ip", ["link", "del", vethHost], { stdio: "ignore" });
        spawnSync("ip", ["netns", "del", name], { stdio: "ignore" });
      },
    };
    live.add(ns);
    try {
      ip(["link", "add", vethHost, "type", "veth", "peer", "name", vethPod]);
      ip(["link", "set", vethPod, "netns", name]);
      ip(["addr", "add", `${hostIp}/30`, "dev", vethHost]);
      ip(["link", "set", vethHost, "up"]);
      ip(["-n", name, "addr", "add", `${podIp}/30`, "dev", vethPod]);
      ip(["-n", name, "link", "set", vethPod, "up"]);
      ip(["-n", name, "link", "set", "lo", "up"]);
    } catch (err) {
      ns.destroy();
      throw err;
    }
    return ns;
  }
  throw new Error("createNetns: no free name/subnet after 20 tries");
}

/** Safety net: namespaces left when the process exits without afterAll running. */
process.on("exit", () => {
  for (const ns of [...live]) ns.destroy();
});
