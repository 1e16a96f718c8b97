// The smoke checks as the one self-contained script every path runs (job.ts says
// where): committed as smoke-job.cjs, made by `npm run build:bundles`. Read as
// text, never compiled here, so `pulumi up` needs neither TypeScript nor a bundler.
import { readFileSync } from "node:fs";
import { join } from "node:path";

let cached: string | undefined;

/** The text of smoke-job.cjs: a CommonJS script whose exports are those of checks.ts, ingress.ts and kube.ts. */
export function smokeBundle(): string {
  return (cached ??= readFileSync(join(__dirname, "smoke-job.cjs"), "utf8"));
}
