// Shell scripts in container commands (`sh -c '…'`), read by a real POSIX/bash parser
// (mvdan-sh: the parser of shfmt, transpiled to JavaScript; synchronous, which the
// engine's resource validations need) instead of splitting words on blanks. What the
// policies need from a script is every simple command it may run, with the words that
// are literal (quotes removed, `$VAR` resolved from the container's literal environment
// when it can be), and whether the command runs in the background (`&`). Branches of
// `if`/`case`/`||` are all listed: the caller decides what "may run" means.

/** A word whose value the script does not fix (a variable that is not a literal, `$(…)`, a glob). */
export const UNKNOWN_WORD = "\u0000";

export function isUnknownWord(w: string): boolean {
  return w.includes(UNKNOWN_WORD);
}

interface ScriptCommand {
  /** The command's words; a word containing UNKNOWN_WORD has a part the manifest does not show. */
  argv: string[];
  /** Started with `&`: the shell does not wait for it. */
  background: boolean;
  /** Started with `exec`: it replaces the shell (the word itself is removed from argv). */
  exec: boolean;
}

export type ScriptParse = { ok: true; commands: ScriptCommand[] } | { ok: false; error: string };

/** Longest script parsed; a longer one is reported as not understood rather than walked. */
const MAX_SCRIPT_CHARS = 64 * 1024;

/** The fields of mvdan-sh's syntax nodes read here (the library ships no types): words and their parts, parameter expansions, statements, calls. */
interface ShNode {
  Parts?: ShNode[];
  Value?: unknown;
  Param?: { Value?: unknown };
  Exp?: unknown;
  Repl?: unknown;
  Length?: unknown;
  Index?: unknown;
  Slice?: unknown;
  Excl?: unknown;
  Background?: unknown;
  Args?: ShNode[];
}

interface SyntaxModule {
  NewParser(): { Parse(src: string, name: string): unknown };
  /** Calls f for each node, and with null when leaving one. */
  Walk(node: unknown, f: (n: ShNode | null | undefined) => boolean): void;
  NodeType(n: unknown): string;
}

let syntaxModule: SyntaxModule | undefined;
/** Loaded on first use: the parser takes ~0.2 s to load and most manifests have no script. */
function syntax(): SyntaxModule {
  if (!syntaxModule) syntaxModule = (require("mvdan-sh") as { syntax: SyntaxModule }).syntax;
  return syntaxModule;
}

const cache = new Map<string, ScriptParse>();

/**
 * The simple commands of a script. `env` resolves `$NAME`/`${NAME}` (a literal from the
 * container's environment, or undefined for unknown).
 */
export function scriptCommands(script: string, env: (name: string) => string | undefined = () => undefined): ScriptParse {
  if (script.length > MAX_SCRIPT_CHARS) return { ok: false, error: `the script is ${script.length} characters long (more than ${MAX_SCRIPT_CHARS} are not read)` };
  const key = script;
  const cached = cache.get(key);
  // Only scripts without variables are cached: the rest depend on the environment.
  if (cached) return cached;
  const sx = syntax();
  let file: unknown;
  try {
    file = sx.NewParser().Parse(script, "script");
  } catch (e) {
    const msg = typeof (e as { Error?: () => string }).Error === "function" ? (e as { Error: () => string }).Error() : (e as Error).message ?? String(e);
    return { ok: false, error: `not a valid shell script: ${String(msg).replace(/^script:/, "line ")}` };
  }
  const commands: ScriptCommand[] = [];
  const stack: boolean[] = [];
  let usesVariables = false;
  const word = (w: ShNode): string => {
    let out = "";
    for (const p of w.Parts ?? []) {
      const t = sx.NodeType(p);
      if (t === "Lit" || t === "SglQuoted") out += String(p.Value);
      else if (t === "DblQuoted") {
        for (const q of p.Parts ?? []) {
          const u = sx.NodeType(q);
          if (u === "Lit") out += String(q.Value);
          else if (u === "ParamExp") {
            usesVariables = true;
            out += param(q);
          } else out += UNKNOWN_WORD;
        }
      } else if (t === "ParamExp") {
        usesVariables = true;
        out += param(p);
      } else out += UNKNOWN_WORD;
    }
    return out;
  };
  const param = (p: ShNode): string => {
    // ${X:-default}, ${#X}, ${X/a/b}: only the plain form is resolved.
    if (p.Exp || p.Repl || p.Length || p.Index || p.Slice || p.Excl) return UNKNOWN_WORD;
    const v = env(String(p.Param?.Value ?? ""));
    return v === undefined ? UNKNOWN_WORD : v;
  };
  try {
    sx.Walk(file, (n) => {
      if (n === null || n === undefined) {
        stack.pop();
        return true;
      }
      const t = sx.NodeType(n);
      const inherited = stack.length > 0 ? stack[stack.length - 1] : false;
      const background = inherited || (t === "Stmt" && n.Background === true);
      stack.push(background);
      if (t === "CallExpr") {
        const argv: string[] = (n.Args ?? []).map(word);
        let exec = false;
        if (argv[0] === "exec") {
          exec = true;
          argv.shift();
        }
        if (argv.length > 0) commands.push({ argv, background, exec });
      }
      return true;
    });
  } catch (e) {
    return { ok: false, error: `the script could not be walked: ${(e as Error).message ?? String(e)}` };
  }
  const result: ScriptParse = { ok: true, commands };
  if (!usesVariables && cache.size < 1000) cache.set(key, result);
  return result;
}

/** `sh -c '<script>' [name args…]` (sh, bash, dash, ash, with or without a path; `-ec`, `-lc` too): the script, else undefined. */
export function shellScriptOf(argv: readonly string[]): { shell: string; script: string } | undefined {
  if (argv.length < 3 || !/(^|\/)(ba|da|a|z|k)?sh$/.test(argv[0])) return undefined;
  for (let i = 1; i < argv.length - 1; i++) {
    const a = argv[i];
    if (a === "--") return undefined;
    if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(a)) return { shell: argv[0], script: argv[i + 1] };
    if (!a.startsWith("-") && !a.startsWith("+")) return undefined;
  }
  return undefined;
}
