// The record of one smoke run the change ticket carries, and the error that fails `pulumi up`.
// Node built-ins only: bundled into the smoke Job's script (job.ts).
import { formatAgreement, type Agreement } from "./agreement";
import { formatEvidence, type Evidence } from "./checks";
import { redact, redactDeep } from "./redact";
import { IMAGE } from "../../policy-pack/rules/names";
import { ingressUrl } from "./ingress";
import { ClusterTarget, serviceUrl } from "./target";

export interface SmokeRun {
  portForward: Evidence;
  inCluster: Evidence;
  /** Present when the target has an Ingress. */
  ingress?: Evidence;
  agreement: Agreement;
}

/** What the change ticket carries: both paths' evidence, the verdict, and how to repeat it by hand. */
export interface SmokeRecord {
  schema: "openclaw.smoke.run/v1";
  ranAt: string;
  image: string;
  valuesHash: string;
  verdict: Agreement["verdict"];
  signedOff: boolean;
  agree: boolean;
  summary: string;
  diagnosis: Agreement["diagnosis"];
  portForward: Evidence;
  inCluster: Evidence;
  /** The third path, through the Ingress (with its certificate); absent without an Ingress. */
  ingress?: Evidence;
  /** Commands an operator runs to repeat the paths (runbook step 5; FAQ after a rollback). */
  reproduce: { portForward: string; inCluster: string; ingress?: string };
}

export function smokeRecord(t: ClusterTarget, run: SmokeRun, valuesHash: string, token: string): SmokeRecord {
  const ctx = t.context ? ` --context ${t.context}` : "";
  const record: SmokeRecord = {
    schema: "openclaw.smoke.run/v1",
    ranAt: new Date().toISOString(),
    image: t.image,
    valuesHash,
    verdict: run.agreement.verdict,
    signedOff: run.agreement.signedOff,
    agree: run.agreement.agree,
    summary: run.agreement.summary,
    diagnosis: run.agreement.diagnosis,
    portForward: run.portForward,
    inCluster: run.inCluster,
    ...(run.ingress ? { ingress: run.ingress } : {}),
    reproduce: {
      portForward: `kubectl${ctx} -n ${t.namespace} port-forward deployment/${t.deploymentName} ${t.port}:${t.port}  # then: npm run smoke -- --url http://127.0.0.1:${t.port} --token-env ${IMAGE.tokenEnv}`,
      inCluster: `npm run smoke -- --stack <stack>  # runs the in-cluster Job against ${serviceUrl(t)}`,
      ...(t.ingress
        ? { ingress: `curl --cacert <the stack's ingress.smoke.caBundle> --resolve ${t.ingress.host}:${t.ingress.port}:${t.ingress.address} ${ingressUrl(t.ingress)}/readyz` }
        : {}),
    },
  };
  // Defence in depth: nothing the gateway or kubectl echoed may carry the token into state.
  // String by string, so the record stays valid JSON whatever the redaction replaces.
  return redactDeep(record, [token]);
}

/** The error that fails `pulumi up`: the verdict, the diagnosis, then each path's evidence. Never the token. */
export function smokeFailureMessage(record: SmokeRecord, token: string): string {
  const agreement: Agreement = { signedOff: record.signedOff, agree: record.agree, verdict: record.verdict, diagnosis: record.diagnosis, summary: record.summary };
  const text = [
    `smoke checks failed for ${record.image} (values ${record.valuesHash.slice(0, 12)}): ${record.verdict}`,
    formatAgreement(agreement),
    "evidence:",
    formatEvidence(record.portForward),
    formatEvidence(record.inCluster),
    ...(record.ingress ? [formatEvidence(record.ingress)] : []),
    `repeat by hand: ${record.reproduce.portForward}`,
  ].join("\n");
  return redact(text, [token]);
}
