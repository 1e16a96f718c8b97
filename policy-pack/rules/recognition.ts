// Which containers run the OpenClaw gateway, judged from what the container really
// runs: its image's ENTRYPOINT/CMD when the pod leaves them, Kubernetes' `$(VAR)`
// expansion of command and args, the node image's docker-entrypoint.sh, `tini --`, and
// shell scripts (`sh -c '…'`) parsed by a real shell parser, every branch considered.
//
//   gateway               an openclaw entry point runs `gateway` / `gateway run` (in some
//                         branch of a script: the gateway policies then hold it to account)
//   openclaw-not-serving  an openclaw entry point (or the OpenClaw image's own argv) runs
//                         something that is not the foreground server: `gateway start`
//                         (installs a service), `onboard`, `doctor`, `gateway health`, or
//                         argv the image cannot run (`node gateway …`)
//   other                 anything else (sidecars, shells that copy files)

import { entryIndexOf, imageRepository, parseGatewayArgv, re, type EnvMap, type GatewayArgv } from "./gateway";
import { isUnknownWord, scriptCommands, shellScriptOf, UNKNOWN_WORD } from "./shell";

interface ImageDefaults {
  /** Regex over the image repository (registry/path, no tag or digest). */
  image: string;
  entrypoint: string[];
  cmd: string[];
  /** Where these were read, for --explain. */
  source?: string;
}

export interface RecognitionSettings {
  /** Regexes over the image repository that identify an OpenClaw image. */
  imagePatterns: string[];
  /** Regexes over argv words naming an openclaw entry point. */
  entryPatterns: string[];
  /** ENTRYPOINT/CMD of known images, for containers that leave command (and args) unset. */
  imageDefaults: ImageDefaults[];
}

/**
 * The official image's defaults, read from upstream's Dockerfile (openclaw/openclaw at
 * 43ac601c): no ENTRYPOINT of its own, so the node base image's `docker-entrypoint.sh`;
 * WORKDIR /app; CMD `node openclaw.mjs gateway --allow-unconfigured`.
 */
const OPENCLAW_IMAGE_DEFAULTS: ImageDefaults = {
  image: "(^|/)openclaw/openclaw$",
  entrypoint: ["docker-entrypoint.sh"],
  cmd: ["node", "openclaw.mjs", "gateway", "--allow-unconfigured"],
  source: "upstream Dockerfile: node base image ENTRYPOINT docker-entrypoint.sh, CMD node openclaw.mjs gateway --allow-unconfigured",
};

export const DEFAULT_RECOGNITION: RecognitionSettings = {
  imagePatterns: ["(^|/)openclaw/openclaw$"],
  entryPatterns: ["(^|/)openclaw(\\.mjs)?$", "(^|/)dist/index\\.m?js$", "(^|/)dist/entry\\.m?js$"],
  imageDefaults: [OPENCLAW_IMAGE_DEFAULTS],
};

type Role = "gateway" | "openclaw-not-serving" | "other";

export interface Recognition {
  role: Role;
  /** The image repository matches imagePatterns. */
  openclawImage: boolean;
  /** argv as the container runtime starts it (UNKNOWN_WORD marks unknown parts). */
  runs: string[];
  /** The command that serves (role gateway) or the openclaw command that does not. */
  argv?: string[];
  parsed?: GatewayArgv;
  /** Why, in words, for --explain and messages. */
  why: string;
}

export interface ContainerArgv {
  image?: string;
  command?: readonly string[];
  args?: readonly string[];
}

/** Kubernetes' expansion of `$(NAME)` in command/args from the container's environment (`$$` escapes). */
function expandK8sVars(word: string, env: EnvMap): string {
  if (!word.includes("$")) return word;
  return word.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === "$$") return "$";
    const v = env[name!];
    if (!v) return m; // an undefined variable stays as written
    return "value" in v ? v.value : UNKNOWN_WORD;
  });
}

const show = (argv: readonly string[]) => argv.map((w) => (isUnknownWord(w) ? w.replace(/\u0000/g, "…") : w)).map((w) => (/[\s'"]/.test(w) || w === "" ? JSON.stringify(w) : w)).join(" ");

/** Commands docker-entrypoint.sh finds on PATH in the node image (it runs anything else through node). */
const ON_PATH = /^(node|nodejs|npm|npx|corepack|yarn|sh|bash|dash|env|tini|openclaw|sleep|cat|cp|mkdir|chown|chmod|ln|tail|true|false|echo|test|\[)$/;

/** What `docker-entrypoint.sh "$@"` of the node image runs: `node "$@"` for an option or a non-command, else "$@". */
function dockerEntrypoint(args: string[]): { argv: string[]; note: string } {
  const first = args[0];
  if (first === undefined) return { argv: ["node"], note: "docker-entrypoint.sh with no arguments starts node's REPL" };
  const isCommand = first.startsWith("/") ? !/\.(m|c)?js$/.test(first) : !first.includes("/") && ON_PATH.test(first);
  if (first.startsWith("-") || !isCommand) return { argv: ["node", ...args], note: `docker-entrypoint.sh runs node with them ("${first}" is ${first.startsWith("-") ? "an option" : "not a command on PATH"})` };
  return { argv: args, note: "docker-entrypoint.sh execs them" };
}

/** Strips `tini [opts] --`, `dumb-init`, `env [VAR=x…]` wrappers. */
function unwrap(argv: string[]): string[] {
  let a = argv;
  for (let guard = 0; guard < 4 && a.length > 0; guard++) {
    if (/(^|\/)(tini|tini-static|dumb-init)$/.test(a[0])) {
      let i = 1;
      while (i < a.length && a[i].startsWith("-") && a[i] !== "--") i++;
      if (a[i] === "--") i++;
      a = a.slice(i);
    } else if (/(^|\/)env$/.test(a[0])) {
      let i = 1;
      while (i < a.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(a[i]) || a[i].startsWith("-"))) i++;
      a = a.slice(i);
    } else break;
  }
  return a;
}

/** argv as the runtime starts the container, and how it was assembled. */
function effectiveArgv(c: ContainerArgv, env: EnvMap, s: RecognitionSettings): { runs: string[]; how: string; imageDefaulted: boolean } {
  const command = (c.command ?? []).map((w) => expandK8sVars(w, env));
  const args = (c.args ?? []).map((w) => expandK8sVars(w, env));
  if (command.length > 0) return { runs: [...command, ...args], how: args.length ? "command + args" : "command", imageDefaulted: false };
  const repo = typeof c.image === "string" ? imageRepository(c.image) : "";
  const d = s.imageDefaults.find((x) => re(x.image).test(repo));
  if (d) {
    const runs = [...d.entrypoint, ...(args.length ? args : d.cmd)];
    const from = `the image's ENTRYPOINT [${d.entrypoint.join(" ")}] + ${args.length ? "the pod's args" : `its CMD [${d.cmd.join(" ")}]`}`;
    return { runs, how: from, imageDefaulted: true };
  }
  if (s.imagePatterns.some((p) => re(p).test(repo))) {
    // An OpenClaw image whose defaults are not configured: its ENTRYPOINT is taken to run
    // `openclaw gateway`, so args are its flags, or a command path of their own.
    if (args.length === 0) return { runs: ["openclaw", "gateway"], how: "the image's own ENTRYPOINT/CMD (assumed to run openclaw gateway; set gateway-recognition.imageDefaults to say otherwise)", imageDefaulted: true };
    if (args[0].startsWith("-")) return { runs: ["openclaw", "gateway", ...args], how: "the image's ENTRYPOINT (assumed: openclaw gateway) + the pod's args", imageDefaulted: true };
    if (!args[0].includes("/") && !ON_PATH.test(args[0])) return { runs: ["openclaw", ...args], how: "the image's ENTRYPOINT (assumed: openclaw) + the pod's args", imageDefaulted: true };
  }
  return { runs: args, how: args.length ? "args (the image's ENTRYPOINT is not known)" : "the image's ENTRYPOINT/CMD (not known)", imageDefaulted: false };
}

interface Found {
  gateway?: { argv: string[]; parsed: GatewayArgv; where: string };
  openclaw: { argv: string[]; parsed: GatewayArgv; where: string }[];
  notes: string[];
}

function scan(argv: string[], s: RecognitionSettings, env: EnvMap, found: Found, where: string, depth: number): void {
  let a = unwrap(argv);
  if (a.length > 0 && /(^|\/)docker-entrypoint\.sh$/.test(a[0])) {
    const d = dockerEntrypoint(a.slice(1));
    found.notes.push(d.note);
    a = d.argv;
  }
  const script = shellScriptOf(a);
  if (script && depth < 3) {
    const lit = (k: string) => (env[k] && "value" in env[k] ? (env[k] as { value: string }).value : undefined);
    const parsed = scriptCommands(script.script, lit);
    if (!parsed.ok) {
      found.notes.push(`${script.shell} -c script: ${parsed.error}`);
      return;
    }
    for (const cmd of parsed.commands) {
      const w = `${where}${script.shell} -c script${cmd.background ? " (in the background)" : ""}: `;
      scan(cmd.argv, s, env, found, w, depth + 1);
    }
    return;
  }
  if (entryIndexOf(a, s.entryPatterns) < 0) return;
  const parsed = parseGatewayArgv(a, s.entryPatterns);
  if (parsed.isGatewayRun) {
    if (!found.gateway) found.gateway = { argv: a, parsed, where };
  } else found.openclaw.push({ argv: a, parsed, where });
}

/** Whether and why a container runs the OpenClaw gateway. */
export function recognize(c: ContainerArgv, env: EnvMap, s: RecognitionSettings = DEFAULT_RECOGNITION): Recognition {
  const repo = typeof c.image === "string" ? imageRepository(c.image) : "";
  const openclawImage = s.imagePatterns.some((p) => re(p).test(repo));
  const eff = effectiveArgv(c, env, s);
  const found: Found = { openclaw: [], notes: [] };
  scan(eff.runs, s, env, found, "", 0);
  const notes = found.notes.length ? `; ${found.notes.join("; ")}` : "";
  const base = `runs ${show(eff.runs) || "(nothing known)"} (${eff.how}${notes})`;
  if (found.gateway) {
    const g = found.gateway;
    return {
      role: "gateway", openclawImage, runs: eff.runs, argv: g.argv, parsed: g.parsed,
      why: `${base}: ${g.where}${show(g.argv)} runs the gateway in the foreground${openclawImage ? ` (image ${repo} is an OpenClaw image)` : ""}`,
    };
  }
  const first = found.openclaw[0];
  if (first) {
    const sub = first.parsed.positionals.join(" ") || "(no command)";
    return {
      role: "openclaw-not-serving", openclawImage, runs: eff.runs, argv: first.argv, parsed: first.parsed,
      why: `${base}: ${first.where}${show(first.argv)} runs \`${sub}\`, not the foreground server (\`gateway\` or \`gateway run\`)`,
    };
  }
  if (openclawImage && eff.imageDefaulted) {
    return { role: "openclaw-not-serving", openclawImage, runs: eff.runs, why: `${base}: no openclaw entry point runs, so the gateway never starts` };
  }
  return { role: "other", openclawImage, runs: eff.runs, why: `${base}: no openclaw entry point runs \`gateway\`` };
}

/** Compiles every pattern, naming the setting of the first that is not a valid regex. */
export function checkPatterns(s: Partial<RecognitionSettings>, key = "gateway-recognition"): string[] {
  const errors: string[] = [];
  const test = (p: unknown, at: string) => {
    if (typeof p !== "string") return errors.push(`${at}: expected a regex string, got ${JSON.stringify(p)}`);
    try {
      re(p);
    } catch (e) {
      errors.push(`${at}: ${JSON.stringify(p)} is not a valid regular expression (${(e as Error).message.replace(/^Invalid regular expression: /, "")})`);
    }
  };
  (s.imagePatterns ?? []).forEach((p, i) => test(p, `${key}.imagePatterns[${i}]`));
  (s.entryPatterns ?? []).forEach((p, i) => test(p, `${key}.entryPatterns[${i}]`));
  (s.imageDefaults ?? []).forEach((d, i) => test(d?.image, `${key}.imageDefaults[${i}].image`));
  return errors;
}
