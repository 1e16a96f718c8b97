// Pod Security Standards "restricted" (kubernetes.io/docs/concepts/security/pod-security-standards,
// v1.30+ profile), plus a read-only root filesystem (the gateway writes only /tmp and its
// state dir, docs/facts.md §1). Each problem names the field and the value that would be right.

export interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  procMount?: string;
  seLinuxOptions?: { type?: string };
  appArmorProfile?: { type?: string };
  windowsOptions?: { hostProcess?: boolean };
}

export interface PodSecurityInput {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext & { sysctls?: { name: string }[] };
  /** Each volume's name and its source types (the keys other than name). */
  volumes?: { name: string; types: string[] }[];
  containers: { name: string; kind: "container" | "initContainer" | "ephemeralContainer"; securityContext?: SecurityContext; ports?: { hostPort?: number }[] }[];
}

const ALLOWED_VOLUME_TYPES = new Set([
  "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
]);
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

export function checkRestricted(pod: PodSecurityInput, opts: { requireReadOnlyRootFilesystem?: boolean } = {}): string[] {
  const requireRo = opts.requireReadOnlyRootFilesystem ?? true;
  const problems: string[] = [];
  const psc = pod.securityContext ?? {};
  if (pod.hostNetwork) problems.push("spec.hostNetwork is true; set it to false");
  if (pod.hostPID) problems.push("spec.hostPID is true; set it to false");
  if (pod.hostIPC) problems.push("spec.hostIPC is true; set it to false");
  for (const v of pod.volumes ?? []) {
    for (const t of v.types) {
      if (!ALLOWED_VOLUME_TYPES.has(t)) problems.push(`volume "${v.name}" is of type ${t}; restricted allows ${[...ALLOWED_VOLUME_TYPES].join(", ")}`);
    }
  }
  for (const s of psc.sysctls ?? []) {
    if (!SAFE_SYSCTLS.has(s.name)) problems.push(`spec.securityContext.sysctls sets unsafe sysctl ${s.name}`);
  }
  const podSeccomp = psc.seccompProfile?.type;
  if (podSeccomp !== undefined && podSeccomp !== "RuntimeDefault" && podSeccomp !== "Localhost") {
    problems.push(`spec.securityContext.seccompProfile.type is ${podSeccomp}; use RuntimeDefault`);
  }
  if (psc.runAsUser === 0) problems.push("spec.securityContext.runAsUser is 0; run as a non-root uid (the image's node user is 1000)");
  checkCommon("spec.securityContext", psc, problems);

  for (const c of pod.containers) {
    const where = `${c.kind} "${c.name}" securityContext`;
    const sc = c.securityContext ?? {};
    if (sc.privileged) problems.push(`${where}.privileged is true; set it to false`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}.allowPrivilegeEscalation is ${sc.allowPrivilegeEscalation ?? "unset"}; set it to false`);
    const nonRoot = sc.runAsNonRoot ?? psc.runAsNonRoot;
    if (nonRoot !== true) problems.push(`${where}.runAsNonRoot is ${nonRoot ?? "unset"} (and not set on the pod); set runAsNonRoot: true`);
    if (sc.runAsUser === 0) problems.push(`${where}.runAsUser is 0; run as a non-root uid`);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
      problems.push(`${where}.seccompProfile.type is ${seccomp ?? "unset"} (and not set on the pod); set seccompProfile.type: RuntimeDefault`);
    }
    const drop = (sc.capabilities?.drop ?? []).map((d) => d.toUpperCase());
    if (!drop.includes("ALL")) problems.push(`${where}.capabilities.drop does not include ALL; set drop: ["ALL"]`);
    for (const a of sc.capabilities?.add ?? []) {
      if (a.toUpperCase() !== "NET_BIND_SERVICE") problems.push(`${where}.capabilities.add includes ${a}; restricted allows only NET_BIND_SERVICE`);
    }
    if (c.kind !== "ephemeralContainer") {
      for (const p of c.ports ?? []) {
        if (p.hostPort) problems.push(`${c.kind} "${c.name}" uses hostPort ${p.hostPort}; remove it`);
      }
    }
    checkCommon(where, sc, problems);
    if (requireRo && c.kind !== "ephemeralContainer" && sc.readOnlyRootFilesystem !== true) {
      problems.push(`${where}.readOnlyRootFilesystem is ${sc.readOnlyRootFilesystem ?? "unset"}; set it to true and mount writable /tmp and state volumes`);
    }
  }
  return problems;
}

function checkCommon(where: string, sc: SecurityContext, problems: string[]): void {
  if (sc.procMount !== undefined && sc.procMount !== "Default") problems.push(`${where}.procMount is ${sc.procMount}; use Default`);
  if (sc.seLinuxOptions?.type !== undefined && !SELINUX_TYPES.has(sc.seLinuxOptions.type)) {
    problems.push(`${where}.seLinuxOptions.type is ${sc.seLinuxOptions.type}; allowed: container_t, container_init_t, container_kvm_t`);
  }
  if (sc.appArmorProfile?.type === "Unconfined") problems.push(`${where}.appArmorProfile.type is Unconfined; use RuntimeDefault`);
  if (sc.windowsOptions?.hostProcess) problems.push(`${where}.windowsOptions.hostProcess is true; set it to false`);
}
