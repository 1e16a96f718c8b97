// How traffic reaches the gateway: the Service (targetPort by name), the NetworkPolicy (real
// traffic, the kubelet's probes and the smoke Job in; DNS and HTTPS out), and the optional
// Ingress with TLS.
import type { Service } from "kubernetes-types/core/v1";
import type { Ingress, NetworkPolicy, NetworkPolicyPeer } from "kubernetes-types/networking/v1";
import { CONTROLLER_SOURCE_ANNOTATION } from "../../policy-pack/rules/ingress";
import { GATEWAY, SMOKE } from "../../policy-pack/rules/names";
import type { GatewaySettings } from "../config";
import type { ManifestContext, Named } from "./context";

const { appName: APP_NAME, portName: PORT_NAME } = GATEWAY;

export function gatewayService(x: ManifestContext): Named<Service> | undefined {
  if (!x.c.service.enabled) return undefined;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: x.meta(APP_NAME),
    spec: {
      type: "ClusterIP",
      selector: x.selectorLabels,
      ports: [{ name: PORT_NAME, port: x.c.gateway.port, targetPort: PORT_NAME, protocol: "TCP" }],
    },
  };
}

type IngressSource = GatewaySettings["config"]["network"]["ingressSources"][number];

function toPeer(src: IngressSource): NetworkPolicyPeer {
  if ("cidr" in src) return { ipBlock: { cidr: src.cidr, ...(src.except ? { except: src.except } : {}) } };
  if ("namespaceSelector" in src) {
    return { namespaceSelector: { matchLabels: src.namespaceSelector }, ...(src.podSelector ? { podSelector: { matchLabels: src.podSelector } } : {}) };
  }
  return { podSelector: { matchLabels: src.podSelector } };
}

export function gatewayNetworkPolicy(x: ManifestContext): Named<NetworkPolicy> {
  const net = x.c.network;
  const gatewayPort = [{ protocol: "TCP", port: PORT_NAME }];
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: x.meta(APP_NAME),
    spec: {
      podSelector: { matchLabels: x.selectorLabels },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        { from: net.ingressSources.map(toPeer), ports: gatewayPort },
        // The kubelet probes from the node's address: drop it and pods go NotReady (runbook §2, §6).
        { from: net.kubeletCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: gatewayPort },
        // The in-cluster smoke Job's pods carry this label (components/smoke).
        { from: [{ podSelector: { matchLabels: { [SMOKE.clientLabel.key]: SMOKE.clientLabel.value } } }], ports: gatewayPort },
      ],
      egress: [
        ...(net.egress.dns
          ? [
              {
                to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                ports: [
                  { protocol: "UDP", port: 53 },
                  { protocol: "TCP", port: 53 },
                ],
              },
            ]
          : []),
        ...(net.egress.httpsCidrs.length ? [{ to: net.egress.httpsCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 443 }] }] : []),
      ],
    },
  };
}

export interface GatewayIngress {
  object: Named<Ingress>;
  hosts: string[];
  tlsSecretName: string;
}

/** With `ingress` set and a Service to route to: the hosts to the Service's named port, with TLS. */
export function gatewayIngress(x: ManifestContext, service: Named<Service> | undefined): GatewayIngress | undefined {
  const ing = x.c.ingress;
  if (!ing || !service) return undefined;
  const tlsSecretName = "secretName" in ing.tls && ing.tls.secretName ? ing.tls.secretName : `${APP_NAME}-tls`;
  const object: Named<Ingress> = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: x.meta(APP_NAME, {
      annotations: {
        ...ing.annotations,
        // cert-manager's ingress-shim issues the certificate into tls.secretName from this annotation.
        ...("issuer" in ing.tls ? { [ing.tls.issuer.kind === "ClusterIssuer" ? "cert-manager.io/cluster-issuer" : "cert-manager.io/issuer"]: ing.tls.issuer.name } : {}),
        // What the NetworkPolicy must admit for this Ingress to reach the pods; the pack checks it.
        [CONTROLLER_SOURCE_ANNOTATION]: JSON.stringify(ing.controller),
      },
    }),
    spec: {
      ingressClassName: ing.className,
      tls: [{ hosts: ing.hosts, secretName: tlsSecretName }],
      // By port name, like the Service's targetPort: a port change cannot leave the Ingress behind.
      rules: ing.hosts.map((host) => ({
        host,
        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service.metadata.name, port: { name: PORT_NAME } } } }] },
      })),
    },
  };
  return { object, hosts: ing.hosts, tlsSecretName };
}
