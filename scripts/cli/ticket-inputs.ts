// What `npm run ticket` adds to the stack outputs: the change board's fields
// (window, requester, approver) from its flags, and the engine records that
// `npm run deploy` left for the stack. Kept apart from scripts/cli/ticket.ts so the
// flags and their checks are listed once.
import { resolve } from "node:path";
import { EngineLogError } from "../../components/engine-events";
import { parseApproval, TicketError, type TicketInputs } from "../../components/ticket-markdown";
import { DEFAULT_RECORD_DIR, loadEngineEvidence } from "./engine-record";

/** node:util parseArgs options for the ticket's own flags. */
export const TICKET_INPUT_OPTIONS = {
  requester: { type: "string" },
  approver: { type: "string" },
  "window-start": { type: "string" },
  "window-end": { type: "string" },
  "engine-dir": { type: "string" },
} as const;

export const TICKET_INPUT_USAGE = [
  "  --window-start <ISO-8601>  start of the change window, with a time zone (e.g. 2026-11-28T22:00:00Z); needs --window-end",
  "  --window-end <ISO-8601>    end of the change window, after its start",
  "  --requester <name>         who asks for the change (name or e-mail)",
  "  --approver <name>          who approves it",
  `  --engine-dir <dir>         where npm run deploy recorded the engine's update/preview (default: ${DEFAULT_RECORD_DIR})`,
];

type Values = Partial<Record<keyof typeof TICKET_INPUT_OPTIONS, string>>;

/** The board's fields from the flags; a TicketError names each flag at fault and the right form (a usage error). */
export function approvalFrom(values: Values): NonNullable<TicketInputs["approval"]> {
  return parseApproval({ requester: values.requester, approver: values.approver, windowStart: values["window-start"], windowEnd: values["window-end"] });
}

/** The engine records of the stack; a TicketError names the record file at fault. */
export function engineFrom(stack: string, values: Values): NonNullable<TicketInputs["engine"]> {
  try {
    return loadEngineEvidence(resolve(values["engine-dir"] ?? DEFAULT_RECORD_DIR), stack);
  } catch (e) {
    if (e instanceof EngineLogError) throw new TicketError(e.message);
    throw e;
  }
}
