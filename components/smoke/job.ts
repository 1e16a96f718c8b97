// The smoke library as one self-contained script (`npm run build:bundles` writes it to
// smoke-job.cjs beside this file; a test keeps the committed file current). The same
// text is
//  - shipped in a ConfigMap and run with the `node` of the pinned gateway image by the
//    in-cluster Job (no extra image to pin): run as a program, it reads SMOKE_BASE_URL,
//    SMOKE_BUDGET_MS, SMOKE_PATH_NAME and the token variable, prints the evidence JSON to
//    stdout and the termination message, and exits 0 (pass), 1 (fail) or 2 (bad input);
//  - captured as plain data by the dynamic provider, which loads it at run time
//    (closure serialization cannot carry imported modules: docs/facts.md §2);
//  - run inside the tests' network namespaces against the real gateway.
// Node built-ins only, so nothing but `node` is needed to run it.
import { writeFileSync } from "node:fs";

import { EVIDENCE_SCHEMA, type Evidence, MAX_REASON_CHARS, TERMINATION_MESSAGE_BYTES, baseUrlProblem, gatewayTokenProblem, maskUrl, runChecks } from "./checks";
import { cleanText, redact, redactDeep } from "./redact";

export * from "./agreement";
export * from "./checks";
export * from "./ingress";
export * from "./job-manifest";
export * from "./kube";
export * from "./kubectl";
export * from "./live";
export * from "./redact";
export * from "./record";
export * from "./target";

export interface JobEnv {
  SMOKE_BASE_URL?: string;
  SMOKE_PATH_NAME?: string;
  SMOKE_BUDGET_MS?: string;
  SMOKE_TERMINATION_LOG?: string;
  OPENCLAW_GATEWAY_TOKEN?: string;
}

export async function jobMain(env: JobEnv, write: (path: string, text: string) => void, print: (text: string) => void): Promise<number> {
  const token = env.OPENCLAW_GATEWAY_TOKEN;
  const refuse = (error: string) => {
    print(redact(JSON.stringify({ schema: EVIDENCE_SCHEMA, ok: false, error }), [token]));
    return 2;
  };
  const baseUrl = env.SMOKE_BASE_URL;
  if (!baseUrl) return refuse("SMOKE_BASE_URL is not set");
  const urlProblem = baseUrlProblem(baseUrl);
  if (urlProblem) return refuse(`SMOKE_BASE_URL ${maskUrl(baseUrl)} ${urlProblem}`);
  const tokenProblem = gatewayTokenProblem(token ?? "");
  if (tokenProblem) return refuse(`OPENCLAW_GATEWAY_TOKEN ${tokenProblem}`);
  const budgetMs = Number(env.SMOKE_BUDGET_MS ?? "60000");
  if (!Number.isFinite(budgetMs) || budgetMs < 1000 || budgetMs > 3_600_000) return refuse("SMOKE_BUDGET_MS must be 1000–3600000 (ms)");
  let json: string;
  let ok = false;
  try {
    const ev = await runChecks({ baseUrl, token: token!, budgetMs, pathName: env.SMOKE_PATH_NAME ?? "inCluster" });
    ok = ev.ok;
    json = terminationMessage(redactDeep(ev, [token]), [token]);
  } catch (e) {
    return refuse(`checks crashed: ${cleanText(redact(String((e as Error)?.message ?? e), [token]), MAX_REASON_CHARS)}`);
  }
  try {
    write(env.SMOKE_TERMINATION_LOG ?? "/dev/termination-log", json);
  } catch {
    // Not in a pod (tests, laptops): stdout carries the same JSON.
  }
  print(json);
  return ok ? 0 : 1;
}

/**
 * Evidence JSON that fits the kubelet's 4096-byte termination message (it cuts
 * longer ones, which then no longer parse): reasons are shortened and details
 * dropped until it fits. Redaction has already run on the full text.
 */
export function terminationMessage(ev: Evidence, secrets: Array<string | undefined>): string {
  const fits = (t: string) => Buffer.byteLength(t, "utf8") <= TERMINATION_MESSAGE_BYTES;
  let text = redact(JSON.stringify(ev), secrets);
  for (const max of [160, 80]) {
    if (fits(text)) return text;
    const shorter: Evidence = { ...ev, checks: ev.checks.map((c) => ({ ...c, reason: c.reason === null ? null : cleanText(c.reason, max) })) };
    text = redact(JSON.stringify(shorter), secrets);
  }
  if (fits(text)) return text;
  const bare: Evidence = {
    ...ev,
    url: cleanText(ev.url, 120),
    gatewayVersion: ev.gatewayVersion === null ? null : cleanText(ev.gatewayVersion, 24),
    checks: ev.checks.map(({ detail: _detail, ...c }) => ({ ...c, reason: c.reason === null ? null : cleanText(c.reason, 60) })),
  };
  return redact(JSON.stringify(bare), secrets);
}

if (require.main === module) {
  jobMain(process.env, (p, t) => writeFileSync(p, t), (t) => process.stdout.write(`${t}\n`)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`smoke: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
