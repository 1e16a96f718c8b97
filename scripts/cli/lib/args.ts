// The one command-line convention of the repository's tools (policy:check, ticket,
// smoke, diagnose, config:check, the benchmarks), on node:util parseArgs:
//   --help / -h   usage on stdout, exit 0 (anywhere before `--`);
//   an unknown flag, a missing value or a stray argument: one line on stderr naming
//   it and the valid flags, exit 2.
// An argument is echoed only when it looks like a flag: a token pasted in the wrong
// place must not end up in a terminal log.
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface CommandLine<O extends Options> {
  /** The name the user typed, e.g. "policy:check": it prefixes every message. */
  name: string;
  usage: string;
  options: O;
  /** How many arguments that are not flags are accepted (default 0). */
  positionals?: number;
  /** Added to the message for an unknown flag, e.g. where another command's flags go. */
  unknownHint?: string;
}

const FLAG_SHAPED = /^--?[A-Za-z][A-Za-z0-9-]{0,30}$/;

/** Shown only when it cannot be a pasted secret. */
function shownArgument(arg: string, index: number): string {
  return FLAG_SHAPED.test(arg) ? arg : `#${index + 1} (not shown: not a flag)`;
}

/** The one-line usage error: `name: message` and the pointer to --help. */
function usageLine(name: string, message: string): string {
  return `${name}: ${message}\n(npm run ${name} -- --help shows the usage)`;
}

/** Prints `name: message` and the pointer to --help, exits 2. */
export function usageExit(name: string, message: string): never {
  process.stderr.write(`${usageLine(name, message)}\n`);
  process.exit(2);
}

/** A usage error of the convention, thrown: what parseFlags and the tools' own checks raise. */
export function usageError(name: string, message: string): Usage {
  return new Usage(usageLine(name, message), 2);
}

/**
 * Parses the flags; throws Usage (code 0 with the usage for --help, code 2 with one line
 * naming the problem). With `rest`, the arguments after `--` are returned as `rest`
 * untouched (a tool passing them on to another command); without it they count as
 * arguments that are not flags.
 */
export function parseFlags<O extends Options>(spec: CommandLine<O> & { rest?: boolean }, argv: string[]) {
  const end = argv.indexOf("--");
  const flags = end === -1 ? argv : argv.slice(0, end);
  if (flags.includes("--help") || flags.includes("-h")) throw new Usage(spec.usage, 0);
  const valid = [...Object.entries(spec.options).map(([k, o]) => `--${k}${o.type === "string" ? " <value>" : ""}`), "--help"].join(", ");
  const args = spec.rest ? flags : argv;
  try {
    const parsed = parseArgs({ args, options: spec.options, allowPositionals: true, strict: true });
    const max = spec.positionals ?? 0;
    if (parsed.positionals.length > max) {
      const extra = parsed.positionals[max];
      throw usageError(spec.name, `unexpected argument ${shownArgument(extra, argv.indexOf(extra))}; valid flags: ${valid}`);
    }
    return { ...parsed, rest: spec.rest && end !== -1 ? argv.slice(end + 1) : [] };
  } catch (e) {
    if (e instanceof Usage) throw e;
    const err = e as { code?: string; message?: string };
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const flag = /'([^']*)'/.exec(err.message ?? "")?.[1] ?? "";
      throw usageError(spec.name, `unknown option ${shownArgument(flag, argv.indexOf(flag))}; valid flags: ${valid}${spec.unknownHint ? `; ${spec.unknownHint}` : ""}`);
    }
    if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      // "Option '--stack <value>' argument missing", "... argument is ambiguous", "Option '--json' does not take an argument"
      const flag = /'(-[^ ']*)/.exec(err.message ?? "")?.[1] ?? "an option";
      if (/does not take an argument/.test(err.message ?? "")) throw usageError(spec.name, `${flag} takes no value`);
      throw usageError(spec.name, `${flag} needs a value${/ambiguous/.test(err.message ?? "") ? " (the next argument is a flag; write --flag=value if the value starts with -)" : ""}`);
    }
    throw e;
  }
}

/** parseFlags for a tool's main: prints the usage (exit 0) or the problem (exit 2) and exits. */
export function parseCommandLine<O extends Options>(spec: CommandLine<O>, argv: string[]) {
  try {
    return parseFlags(spec, argv);
  } catch (e) {
    if (!(e instanceof Usage)) throw e;
    (e.code === 0 ? process.stdout : process.stderr).write(`${e.message}\n`);
    process.exit(e.code);
  }
}

/** A command-line problem and the exit code it ends with (2 for bad usage, 0 for --help). */
export class Usage extends Error {
  constructor(
    message: string,
    public readonly code: number,
  ) {
    super(message);
  }
}
