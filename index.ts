// config → components → outputs. Nothing else belongs here.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { OpenClawGateway } from "./components/gateway";
import { readCaBundle } from "./components/ingress-ca";
import { MacGatewayNode } from "./components/mac/node";
import { GatewaySmokeCheck } from "./components/smoke";
import { loadStack } from "./components/stack";
import { buildChangeTicket, programInfo } from "./components/ticket";

const { stack, settings, token } = loadStack();
const c = settings.config;

// A local stack renders manifests and never talks to a cluster; staging and prod apply.
const provider = settings.renderOnly
  ? new k8s.Provider("render", { renderYamlToDirectory: c.render!.directory })
  : new k8s.Provider("cluster", { context: c.cluster?.context, kubeconfig: c.cluster?.kubeconfig, enableServerSideApply: true });

const gateway = new OpenClawGateway("openclaw-gateway", { settings, token, provider });

const ticket = buildChangeTicket(stack, settings, gateway.manifests, programInfo(__dirname));

export const environment = ticket.environment;
export const image = ticket.image;
export const programVersion = ticket.program.version;
export const programCommit = ticket.program.commit;
export const valuesHash = ticket.valuesHash;
export const resources = ticket.resources;
export const headroomRatio = ticket.resources.headroomRatio;
export const bindPortProbe = ticket.network;
export const networkPolicySources = { ingress: ticket.network.ingressSources, kubelet: ticket.network.kubeletCidrs };
export const rollback = ticket.rollback;
export const endpoints = ticket.endpoints;
/** The Ingress (route, TLS source, admitted controller, third smoke path's target); null without one. */
export const ingress = ticket.ingress;
export const deploymentName: pulumi.Output<string> = gateway.deploymentName;
/** Where the stack applies (context, kubeconfig path); null for a render-only stack. */
export const cluster = ticket.cluster;

// --- Smoke checks (runbook step 5) ---------------------------------------------
// After the Deployment and Service are ready, the checks run through kubectl
// port-forward and an in-cluster Job; `pulumi up` fails when the two paths do not
// both pass. Re-run only when the image digest or values hash changes. No cluster
// (the rendering stack) or no Service: nothing to check.
const smoke =
  !settings.renderOnly && gateway.service
    ? new GatewaySmokeCheck("openclaw-gateway-smoke", {
        namespace: gateway.namespace,
        serviceName: gateway.service.metadata.name,
        port: c.gateway.port,
        deploymentName: gateway.deploymentName,
        image: c.image.ref,
        valuesHash: ticket.valuesHash,
        tokenSecretName: gateway.manifests.secret.metadata.name,
        kubeconfig: c.cluster?.kubeconfig,
        context: c.cluster?.context,
        budgetSeconds: settings.smokeBudgetSeconds,
        bind: c.gateway.bind,
        // The third path: through the Ingress, when the stack has one.
        ingress: c.ingress && gateway.manifests.derived.ingress
          ? {
              host: c.ingress.hosts[0],
              address: c.ingress.smoke.address,
              port: c.ingress.smoke.port,
              caPem: readCaBundle(c.ingress.smoke.caBundle),
              ingressName: gateway.manifests.derived.ingress.name,
            }
          : undefined,
        waitFor: [gateway.deployment, gateway.service, gateway.networkPolicy, ...(gateway.ingress ? [gateway.ingress] : [])],
      })
    : undefined;
/** Why no smoke check runs for this stack, when none does. */
const smokeNotRun = settings.renderOnly
  ? "not run: render-only stack, nothing was deployed to check"
  : "not run: no Service (bind=loopback for same-pod sidecars); the in-pod probes are the only health signal";
/** The smoke evidence record for the change ticket; null where no smoke check runs. */
export const smokeEvidence = smoke ? smoke.evidence : null;
export const smokeStatus = smoke ? smoke.status : smokeNotRun;

// --- Mac contrast node (runbook step 7) -----------------------------------------
// The same release under launchd on a remote physical Mac over SSH; only when the
// stack sets `mac`. Its token is mac.gateway.token, else the cluster's.
const macNode = c.mac
  ? new MacGatewayNode("openclaw-mac", {
      mac: c.mac,
      clusterImage: c.image,
      token: c.mac.gateway.token !== undefined ? pulumi.secret(c.mac.gateway.token) : token,
      // The contrast table sets the Mac beside the cluster's port-forward evidence (runbook step 7).
      contrastWith: smoke
        ? smoke.evidence.apply((r) =>
            // No record (a preview, or mocks): the Mac's checks still run, without a table.
            r?.portForward ? { release: c.image.release, artifact: settings.image.digest, bind: c.gateway.bind, configHash: ticket.valuesHash, evidence: r.portForward } : undefined,
          )
        : undefined,
    })
  : undefined;
/** The Mac's release, its integrity or digest, bind, generation and what the install did; null without a Mac. */
export const mac = macNode
  ? {
      release: macNode.release,
      releaseIntegrity: macNode.releaseIntegrity,
      mode: macNode.mode,
      bind: macNode.bind,
      port: macNode.port,
      label: macNode.label,
      generation: macNode.generation,
      plistHash: macNode.plistHash,
      configHash: macNode.configHash,
      installResult: macNode.installResult,
      sshTunnel: macNode.sshTunnel,
      signedOff: macNode.signedOff,
      contrast: macNode.contrast,
    }
  : null;

// --- The change ticket: the static record plus the evidence gathered above -----
export const changeTicket = pulumi
  .all([smoke?.status, smoke?.evidence, macNode?.contrast])
  .apply(([status, evidence, contrast]) => ({
    ...ticket,
    smoke: smoke ? { status: status ?? "unknown", evidence: evidence ?? null } : { status: smokeNotRun, evidence: null },
    macContrast: contrast ?? null,
  }));
