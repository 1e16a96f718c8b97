// The engine records `npm run deploy` writes and `npm run ticket` reads back: one
// JSON file per stack and kind (update, preview) naming the event log beside it.
// Separate from scripts/cli/deploy.ts so the ticket (bundled by scripts/cli/run.js) never
// carries the deploy command's entry point.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { EngineLogError, parseEngineEvents } from "../../components/engine-events";
import type { EngineEvidence } from "../../components/ticket-markdown";

export const DEFAULT_RECORD_DIR = "tickets/engine";

/** What scripts/cli/ticket.ts reads back: the evidence the ticket renders, less what the event log says. Paths are relative to the project. */
export interface EngineRecordFile extends Omit<EngineEvidence, "summary"> {
  /** The event log beside this file. */
  events: string;
}

/**
 * The recorded update and preview of a stack, read back for the ticket. A record
 * whose event log is missing or unreadable is an error naming the file: the ticket
 * must not quietly drop evidence someone recorded.
 */
export function loadEngineEvidence(dir: string, stack: string): { update?: EngineEvidence; preview?: EngineEvidence } {
  const out: { update?: EngineEvidence; preview?: EngineEvidence } = {};
  for (const kind of ["update", "preview"] as const) {
    const file = join(dir, `${stack}.${kind}.json`);
    if (!existsSync(file)) continue;
    let rec: EngineRecordFile;
    try {
      rec = JSON.parse(readFileSync(file, "utf8")) as EngineRecordFile;
    } catch {
      throw new EngineLogError(`${file}: not a record written by npm run deploy (not JSON); delete it or run \`npm run deploy -- --stack ${stack}${kind === "preview" ? " --preview" : ""}\` again`);
    }
    if (rec.stack !== stack || rec.kind !== kind || typeof rec.events !== "string" || rec.events.includes("/")) {
      throw new EngineLogError(`${file}: not a ${kind} record of stack ${stack}; delete it or run \`npm run deploy -- --stack ${stack}${kind === "preview" ? " --preview" : ""}\` again`);
    }
    const events = join(dir, rec.events);
    let text: string;
    try {
      text = readFileSync(events, "utf8");
    } catch {
      throw new EngineLogError(`${file} names the event log ${events}, which cannot be read`);
    }
    try {
      out[kind] = { ...rec, summary: parseEngineEvents(text) };
    } catch (e) {
      throw new EngineLogError(`${events}: ${(e as Error).message}`);
    }
  }
  return out;
}

