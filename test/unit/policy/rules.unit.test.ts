// The pure rules the pack, the manifest checker and the program's config share.
import { describe, expect, it } from "vitest";
import {
  bindReachability, checkAuthOffLoopback, effectiveAuth, effectiveBind, effectivePort,
  parseGatewayArgv, parseGatewayConfig, profilePort,
} from "../../../policy-pack/rules/gateway";
import { DEFAULT_RECOGNITION, recognize } from "../../../policy-pack/rules/recognition";
import { cidrVoidsIsolation, ingressAdmitted, ipBlockAdmits, networkPolicyAdmits, parseCidr, sourceFromSpec, type NetworkPolicy } from "../../../policy-pack/rules/networkpolicy";
import { checkReadiness, checkStartupBudget, probesIdentical, startupGraceSeconds } from "../../../policy-pack/rules/probe";
import { checkRestricted } from "../../../policy-pack/rules/security";
import { representativeLabels, selectorMatches } from "../../../policy-pack/rules/selector";
import { checkHeadroom } from "../../../policy-pack/rules/headroom";

const argv = (...a: string[]) => parseGatewayArgv(a);

describe("gateway argv, bind, port and auth (openclaw 2026.9.6 precedence)", () => {
  it("recognises `gateway` and `gateway run` of an openclaw entry, not other subcommands", () => {
    expect(argv("node", "/app/dist/index.js", "gateway", "run", "--bind", "lan").isGatewayRun).toBe(true);
    expect(argv("openclaw", "gateway", "--port", "18789").isGatewayRun).toBe(true);
    expect(argv("openclaw", "gateway", "health", "--json").isGatewayRun).toBe(false);
    expect(argv("openclaw", "doctor", "--fix").isGatewayRun).toBe(false);
    // A path that merely contains "openclaw" is not an entry point.
    expect(argv("chown", "-R", "1000", "/home/openclaw").entryIndex).toBe(-1);
    expect(argv("node", "--max-old-space-size=1536", "/app/dist/index.js", "gateway").isGatewayRun).toBe(true);
  });

  it("identifies gateway containers from image + entrypoint + args as the container runs them", () => {
    const role = (c: Parameters<typeof recognize>[0], env = {}, s = DEFAULT_RECOGNITION) => recognize(c, env, s).role;
    // The official image's CMD (node openclaw.mjs gateway) through its ENTRYPOINT docker-entrypoint.sh.
    expect(role({ image: "ghcr.io/openclaw/openclaw:2026.9.6@sha256:" + "a".repeat(64) })).toBe("gateway");
    // args only: docker-entrypoint.sh runs `node gateway run`, which never starts the gateway.
    expect(role({ image: "openclaw/openclaw:latest", args: ["gateway", "run"] })).toBe("openclaw-not-serving");
    expect(role({ image: "openclaw/openclaw:latest", args: ["openclaw.mjs", "gateway", "--bind", "lan"] })).toBe("gateway");
    expect(role({ image: "ghcr.io/openclaw/openclaw:2026.9.6", command: ["openclaw", "doctor"] })).toBe("openclaw-not-serving");
    expect(role({ image: "ghcr.io/openclaw/openclaw:2026.9.6", command: ["openclaw", "gateway", "start"] })).toBe("openclaw-not-serving");
    expect(role({ image: "mirror.local/gw:1", command: ["node", "/app/dist/index.js"], args: ["gateway", "run"] })).toBe("gateway");
    expect(role({ image: "nginx:1.27", command: ["nginx"] })).toBe("other");
    expect(role({ image: "ghcr.io/openclaw/openclaw:2026.9.6", command: ["sh", "-c", "cp /config/openclaw.json /home/openclaw/.openclaw/"] })).toBe("other");
    // A custom image whose own ENTRYPOINT runs the gateway: the pod adds flags only.
    const corp = { ...DEFAULT_RECOGNITION, imagePatterns: ["^corp/gw$"] };
    const r = recognize({ image: "corp/gw:1", args: ["--bind", "lan", "--port", "18789"] }, {}, corp);
    expect(r.role).toBe("gateway");
    expect(r.parsed!.flags).toEqual({ "--bind": "lan", "--port": "18789" });
    // $(VAR) expansion by the kubelet, from the container's literal env.
    const k = recognize({ image: "x/y:1", command: ["openclaw", "gateway", "--bind", "$(BIND)"] }, { BIND: { value: "loopback" } });
    expect(k.parsed!.flags["--bind"]).toBe("loopback");
  });

  it("reads sh -c scripts with a real shell parser: quotes, if/else branches, background, variables", () => {
    const script = (s: string, env = {}) => recognize({ image: "x/y:1", command: ["/bin/sh", "-c", s] }, env);
    const a = script(`if [ -f /x ]; then exec node openclaw.mjs gateway --bind "lan" --port '18789'; else exec node openclaw.mjs gateway; fi`);
    expect(a.role).toBe("gateway");
    expect(a.parsed!.flags).toEqual({ "--bind": "lan", "--port": "18789" });
    // `;` and `&&` inside quotes are not separators (word splitting got this wrong).
    const b = script(`echo 'a; b && c' && exec openclaw gateway run --bind lan`);
    expect(b.parsed!.flags["--bind"]).toBe("lan");
    // $BIND from the container's literal environment; unknown variables stay unknown.
    expect(script(`exec openclaw gateway --bind $BIND`, { BIND: { value: "loopback" } }).parsed!.flags["--bind"]).toBe("loopback");
    expect(effectiveBind(script(`exec openclaw gateway --bind "$BIND"`).parsed!, {}, undefined).value).toBe("(unknown)");
    expect(script(`openclaw doctor --fix && openclaw gateway start`).role).toBe("openclaw-not-serving");
    expect(script(`if then fi (`).role).toBe("other");
    expect(script(`if then fi (`).why).toContain("not a valid shell script");
  });

  it("bind: --bind wins over gateway.bind; unset is auto; no OPENCLAW_GATEWAY_BIND in 2026.9.6", () => {
    const cfg = { gateway: { bind: "loopback" } };
    expect(effectiveBind(argv("openclaw", "gateway", "--bind", "lan"), {}, cfg)).toEqual({ value: "lan", source: "--bind" });
    expect(effectiveBind(argv("openclaw", "gateway", "--bind=custom"), {}, cfg).value).toBe("custom");
    expect(effectiveBind(argv("openclaw", "gateway"), {}, cfg).value).toBe("loopback");
    expect(effectiveBind(argv("openclaw", "gateway"), { OPENCLAW_GATEWAY_BIND: { value: "lan" } }, undefined).value).toBe("auto");
    expect(effectiveBind(argv("openclaw", "gateway", "--tailscale", "serve"), {}, undefined).value).toBe("loopback");
  });

  it("bind reachability on the pod IP", () => {
    expect(bindReachability("lan").reach).toBe("pod-ip");
    expect(bindReachability("loopback").reach).toBe("loopback-only");
    expect(bindReachability("auto").reach).toBe("uncertain");
    expect(bindReachability("tailnet").reach).toBe("loopback-only");
    expect(bindReachability("custom", "0.0.0.0").reach).toBe("pod-ip");
    expect(bindReachability("custom", "127.0.0.2").reach).toBe("loopback-only");
    expect(bindReachability("custom").reach).toBe("invalid");
    expect(bindReachability("public").reach).toBe("invalid");
  });

  it("port: --port > OPENCLAW_GATEWAY_PORT > gateway.port > profile hash > 18789", () => {
    const cfg = { gateway: { port: 18000 } };
    const env = { OPENCLAW_GATEWAY_PORT: { value: "19000" } };
    expect(effectivePort(argv("openclaw", "gateway", "--port", "17000"), env, cfg).value).toBe(17000);
    expect(effectivePort(argv("openclaw", "gateway"), env, cfg).value).toBe(19000);
    expect(effectivePort(argv("openclaw", "gateway"), {}, cfg).value).toBe(18000);
    expect(effectivePort(argv("openclaw", "gateway"), {}, undefined).value).toBe(18789);
    expect(effectivePort(argv("openclaw", "gateway"), { OPENCLAW_PROFILE: { value: "work" } }, undefined).value).toBe(profilePort("work"));
    expect(profilePort("work")).toBeGreaterThanOrEqual(20000);
    expect(effectivePort(argv("openclaw", "gateway"), { OPENCLAW_PROFILE: { value: "default" } }, undefined).value).toBe(18789);
    expect(effectivePort(argv("openclaw", "gateway", "--port", "http"), {}, undefined).value).toBeUndefined();
  });

  it("auth: default token; off loopback a secret is required unless trusted-proxy", () => {
    const none = effectiveAuth(argv("openclaw", "gateway", "--auth", "none"), {}, undefined);
    expect(checkAuthOffLoopback("lan", undefined, none)).toMatch(/auth mode is "none"/);
    const noToken = effectiveAuth(argv("openclaw", "gateway"), {}, undefined);
    expect(noToken.mode).toBe("token");
    expect(checkAuthOffLoopback("lan", undefined, noToken)).toMatch(/exits 78/);
    expect(checkAuthOffLoopback("loopback", undefined, noToken)).toBeUndefined();
    const fromSecret = effectiveAuth(argv("openclaw", "gateway"), { OPENCLAW_GATEWAY_TOKEN: { ref: "secret t key k" } }, undefined);
    expect(checkAuthOffLoopback("lan", undefined, fromSecret)).toBeUndefined();
    const password = effectiveAuth(argv("openclaw", "gateway"), { OPENCLAW_GATEWAY_PASSWORD: { value: "pw" } }, undefined);
    expect(password.mode).toBe("password");
    expect(checkAuthOffLoopback("lan", undefined, password)).toBeUndefined();
    const proxy = effectiveAuth(argv("openclaw", "gateway"), {}, { gateway: { auth: { mode: "trusted-proxy" } } });
    expect(checkAuthOffLoopback("lan", undefined, proxy)).toBeUndefined();
  });

  it("reads JSON5 config files", () => {
    const r = parseGatewayConfig("// c\n{ gateway: { bind: 'loopback', port: 18789, }, /* x */ }");
    expect(r.ok && r.config.gateway?.bind).toBe("loopback");
    expect(parseGatewayConfig("{ gateway: ").ok).toBe(false);
  });
});

describe("NetworkPolicy admission", () => {
  const ports = [{ name: "gateway", containerPort: 18789 }];
  const labels = { app: "gw" };
  const np = (spec: NetworkPolicy["spec"], name = "np", namespace = "oc"): NetworkPolicy => ({ name, namespace, spec });

  it("parses IPv4 and IPv6 CIDRs", () => {
    expect(parseCidr("10.0.0.0/8")).toBeDefined();
    expect(parseCidr("10.0.0.0/33")).toBeUndefined();
    expect(parseCidr("fd00::/64")).toBeDefined();
    expect(parseCidr("::ffff:10.0.0.1/128")).toBeDefined();
    expect(parseCidr("300.0.0.0/8")).toBeUndefined();
  });

  it("ipBlock admits contained ranges minus except", () => {
    expect(ipBlockAdmits({ cidr: "10.0.0.0/8" }, "10.20.0.0/16")).toBe("all");
    expect(ipBlockAdmits({ cidr: "10.20.0.0/17" }, "10.20.0.0/16")).toBe("part");
    expect(ipBlockAdmits({ cidr: "10.0.0.0/8", except: ["10.20.0.0/16"] }, "10.20.0.0/16")).toBe("none");
    expect(ipBlockAdmits({ cidr: "10.0.0.0/8", except: ["10.20.128.0/17"] }, "10.20.0.0/16")).toBe("part");
    expect(ipBlockAdmits({ cidr: "fd00::/16" }, "fd00:1::/32")).toBe("all");
    expect(ipBlockAdmits({ cidr: "0.0.0.0/0" }, "fd00::/64")).toBe("none");
  });

  it("empty from admits everyone; absent ports admit every port; named ports resolve on the pod", () => {
    expect(networkPolicyAdmits(np({ podSelector: {}, ingress: [{}] }), { cidr: "1.2.3.4/32" }, 18789, labels, ports).admits).toBe("all");
    const named = np({ podSelector: { matchLabels: labels }, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" } }], ports: [{ port: "gateway" }] }] });
    expect(networkPolicyAdmits(named, { cidr: "10.1.0.0/16" }, 18789, labels, ports).admits).toBe("all");
    expect(networkPolicyAdmits(named, { cidr: "10.1.0.0/16" }, 18789, labels, [{ name: "http", containerPort: 18789 }]).admits).toBe("none");
    const range = np({ ingress: [{ ports: [{ port: 18000, endPort: 19000 }] }] });
    expect(networkPolicyAdmits(range, { cidr: "10.1.0.0/16" }, 18789, labels, ports).admits).toBe("all");
    const udp = np({ ingress: [{ ports: [{ port: 18789, protocol: "UDP" }] }] });
    expect(networkPolicyAdmits(udp, { cidr: "10.1.0.0/16" }, 18789, labels, ports).admits).toBe("none");
  });

  it("podSelector alone means the policy's namespace; namespaceSelector AND podSelector must both match", () => {
    const sameNs = np({ ingress: [{ from: [{ podSelector: { matchLabels: { role: "client" } } }] }] });
    expect(networkPolicyAdmits(sameNs, { namespace: "oc", podLabels: { role: "client" } }, 18789, labels, ports).admits).toBe("all");
    expect(networkPolicyAdmits(sameNs, { namespace: "other", podLabels: { role: "client" } }, 18789, labels, ports).admits).toBe("none");
    const both = np({ ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress" } }, podSelector: { matchLabels: { app: "nginx" } } }] }] });
    const src = sourceFromSpec({ namespaceSelector: { "kubernetes.io/metadata.name": "ingress" } as never, podSelector: { matchLabels: { app: "nginx" } } });
    expect(networkPolicyAdmits(both, src, 18789, labels, ports).admits).toBe("all");
    expect(networkPolicyAdmits(both, { namespace: "ingress", podLabels: { app: "other" } }, 18789, labels, ports).admits).toBe("none");
    expect(networkPolicyAdmits(both, { cidr: "10.0.0.0/8" }, 18789, labels, ports).admits).toBe("none");
  });

  it("policies are additive; egress-only policies do not isolate ingress; unselected pods are open", () => {
    const deny = np({ podSelector: {}, policyTypes: ["Ingress"] }, "deny");
    const allow = np({ podSelector: { matchLabels: labels }, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }] }, "allow");
    const v = ingressAdmitted([deny, allow], { cidr: "10.20.0.0/16" }, 18789, "oc", labels, ports);
    expect(v).toMatchObject({ isolated: true, admitted: true, admittedBy: ["allow"] });
    expect(ingressAdmitted([deny], { cidr: "10.20.0.0/16" }, 18789, "oc", labels, ports).admitted).toBe(false);
    const egressOnly = np({ podSelector: {}, policyTypes: ["Egress"] });
    expect(ingressAdmitted([egressOnly], { cidr: "10.20.0.0/16" }, 18789, "oc", labels, ports)).toMatchObject({ isolated: false, admitted: true });
    expect(ingressAdmitted([deny], { cidr: "10.20.0.0/16" }, 18789, "elsewhere", labels, ports).isolated).toBe(false);
  });

  it("selectors: expressions and representative labels", () => {
    expect(selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }] }, { tier: "b" })).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["a"] }] }, { tier: "a" })).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: "x", operator: "DoesNotExist" }] }, {})).toBe(true);
    expect(representativeLabels({ matchLabels: { a: "1" }, matchExpressions: [{ key: "b", operator: "In", values: ["2"] }] })).toEqual({ a: "1", b: "2" });
  });
});

describe("probes", () => {
  const ports = [{ name: "gateway", containerPort: 18789 }];
  it("readiness must be httpGet on the traffic port to a health path", () => {
    expect(checkReadiness({ httpGet: { path: "/readyz", port: "gateway" } }, ports, 18789)).toEqual([]);
    expect(checkReadiness({ exec: { command: ["true"] } }, ports, 18789)[0]).toMatch(/exec probe/);
    expect(checkReadiness({ httpGet: { path: "/livez", port: "gateway" } }, ports, 18789)[0]).toMatch(/Control UI HTML/);
    expect(checkReadiness({ httpGet: { path: "/readyz?verbose", port: 18789 } }, ports, 18789)).toEqual([]);
    expect(checkReadiness({ httpGet: { path: "/readyz", port: "gw" } }, ports, 18789)[0]).toMatch(/matches no container port/);
    expect(checkReadiness({ httpGet: { path: "/readyz", port: 18789, host: "127.0.0.1" } }, ports, 18789)[0]).toMatch(/sets host/);
    expect(checkReadiness(undefined, ports, 18789)[0]).toMatch(/no readinessProbe/);
  });
  it("identical probes and startup grace", () => {
    expect(probesIdentical({ httpGet: { path: "/readyz", port: "gateway" } }, { httpGet: { path: "/readyz/", port: "gateway" }, periodSeconds: 30 })).toBe(true);
    expect(startupGraceSeconds({ periodSeconds: 5, failureThreshold: 14 }, undefined).seconds).toBe(70);
    expect(startupGraceSeconds(undefined, { initialDelaySeconds: 30 }).seconds).toBe(60);
    expect(startupGraceSeconds(undefined, undefined).seconds).toBe(Infinity);
    expect(checkStartupBudget({ coldStartSeconds: 45, thresholdSeconds: 30, minGraceSeconds: 60, startup: { periodSeconds: 5, failureThreshold: 11 } })).toMatch(/at least 60s.*failureThreshold to 12/);
    expect(checkStartupBudget({ coldStartSeconds: 25, thresholdSeconds: 30, minGraceSeconds: 60 })).toBeUndefined();
  });
});

describe("restricted security context and headroom", () => {
  it("flags what PSS restricted forbids", () => {
    const ok = checkRestricted({
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      volumes: [{ name: "tmp", types: ["emptyDir"] }],
      containers: [{ name: "gw", kind: "container", securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } } }],
    });
    expect(ok).toEqual([]);
    const bad = checkRestricted({
      hostNetwork: true,
      volumes: [{ name: "h", types: ["hostPath"] }],
      containers: [{ name: "gw", kind: "container", securityContext: { capabilities: { add: ["SYS_ADMIN"] } }, ports: [{ hostPort: 80 }] }],
    });
    expect(bad.join("\n")).toMatch(/hostNetwork[\s\S]*hostPath[\s\S]*allowPrivilegeEscalation[\s\S]*runAsNonRoot[\s\S]*seccomp[\s\S]*drop[\s\S]*SYS_ADMIN[\s\S]*hostPort/);
  });
  it("says what the right limit is", () => {
    const v = checkHeadroom({ p95Bytes: 950 * 2 ** 20, requestBytes: 950 * 2 ** 20, limitBytes: 2 ** 30 });
    expect(v.problems[0]).toBe("limits.memory 1024Mi is only 8% above the observed P95 working set of 950Mi; at least 1.25× (1188Mi) is required for tool-call spikes");
  });
});

describe("libraries instead of hand-rolled parsers (json5, ipaddr.js)", () => {
  it("JSON5 config: what the hand-written translation got wrong", () => {
    // A ",}" inside a string was stripped as a trailing comma.
    const a = parseGatewayConfig(`{ gateway: { bind: "lan", customBindHost: "a,}" }, }`);
    expect(a.ok && a.config.gateway?.customBindHost).toBe("a,}");
    // Hex numbers, leading +, Infinity are JSON5.
    const b = parseGatewayConfig(`{ gateway: { port: 0x4965 } }`);
    expect(b.ok && b.config.gateway?.port).toBe(18789);
    // A "//" inside a string is not a comment.
    const c = parseGatewayConfig(`{ gateway: { customBindHost: 'http://x' } }`);
    expect(c.ok && c.config.gateway?.customBindHost).toBe("http://x");
    const d = parseGatewayConfig(`{ gateway: { bind: "lan" `);
    expect(d.ok).toBe(false);
    expect(!d.ok && d.error).toMatch(/^not valid JSON5: /);
    expect(parseGatewayConfig(`[1, 2]`).ok).toBe(false);
  });

  it("CIDRs as the Kubernetes API validates them, IPv6 in every RFC 4291 form", () => {
    expect(parseCidr("2001:db8::/32")).toBeDefined();
    expect(parseCidr("::ffff:10.0.0.0/104")).toBeDefined();
    expect(parseCidr("2001:0db8:0000:0000:0000:0000:0000:0000/32")!.start).toBe(parseCidr("2001:db8::/32")!.start);
    expect(parseCidr("fe80::1%eth0/64")).toBeUndefined();
    expect(parseCidr("010.0.0.0/8")).toBeUndefined(); // leading zeros: refused by the API
    expect(parseCidr("10/8")).toBeUndefined(); // inet_aton short form: refused by the API
    expect(parseCidr("10.0.0.0/33")).toBeUndefined();
    expect(ipBlockAdmits({ cidr: "2001:db8::/32", except: ["2001:db8:1::/48"] }, "2001:db8:1:2::/64")).toBe("none");
    expect(ipBlockAdmits({ cidr: "2001:db8::/32" }, "2001:db8:ffff::/48")).toBe("all");
    expect(ipBlockAdmits({ cidr: "10.0.0.0/8" }, "2001:db8::/32")).toBe("none");
  });

  it("a /0 voids isolation (the rule the stack config shares)", () => {
    expect(cidrVoidsIsolation("0.0.0.0/0")).toMatch(/every IPv4 address/);
    expect(cidrVoidsIsolation("::/0")).toMatch(/every IPv6 address/);
    expect(cidrVoidsIsolation("10.1.2.3/0")).toBeDefined();
    expect(cidrVoidsIsolation("10.0.0.0/8")).toBeUndefined();
    expect(cidrVoidsIsolation("not a cidr")).toBeUndefined();
  });
});
