// The config keys that hold secrets: their values never appear in error messages,
// hashes or outputs.

/** Config paths that hold secrets: their values never appear in error messages, hashes or outputs. */
// mac.gateway.settings is free-form gateway config (channel and provider credentials go there).
const SECRET_PATHS = ["gatewayToken", "mac.ssh.privateKey", "mac.gateway.token", "mac.gateway.settings"] as const;

export function isSecretPath(path: readonly (string | number)[]): boolean {
  const dotted = path.map(String).join(".");
  return SECRET_PATHS.some((p) => dotted === p || dotted.startsWith(`${p}.`) || p.startsWith(`${dotted}.`));
}

/** A copy of the config without any secret value (for hashes and outputs). */
export function withoutSecrets<T>(config: T): T {
  const strip = (v: unknown, path: string[]): unknown => {
    if ((SECRET_PATHS as readonly string[]).includes(path.join("."))) return undefined;
    if (Array.isArray(v)) return v.map((x, i) => strip(x, [...path, String(i)]));
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, strip(x, [...path, k])]).filter(([, x]) => x !== undefined));
    }
    return v;
  };
  return strip(config, []) as T;
}
