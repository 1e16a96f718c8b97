// The launchd env wrapper: secrets come from a 0600 file parsed as KEY=value lines, never
// sourced, so a value cannot run code; the program is exec'd (launchd's pid is the gateway's).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const WRAPPER = resolve(__dirname, "../../../components/mac/remote/env-wrapper.sh");
const dir = mkdtempSync(join(tmpdir(), "oc-mac-wrapper-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("env-wrapper.sh", () => {
  it("exports KEY=value lines literally, skips malformed ones, runs nothing from the file", () => {
    const pwned = join(dir, "pwned");
    const env = join(dir, "gateway.env");
    writeFileSync(
      env,
      [
        "OPENCLAW_GATEWAY_TOKEN=tok-abc=def",
        `SNEAKY=$(touch ${pwned})`,
        "# a comment",
        "",
        "not a variable line",
        "1BAD=x",
        "BAD-NAME=x",
        "LAST_WITHOUT_NEWLINE=yes",
      ].join("\n"),
      { mode: 0o600 },
    );
    const r = spawnSync("/bin/sh", [WRAPPER, env, "/bin/sh", "-c", 'printf "%s|%s|%s|%s" "$OPENCLAW_GATEWAY_TOKEN" "$SNEAKY" "$LAST_WITHOUT_NEWLINE" "$$"'], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
    expect(r.status, r.stderr).toBe(0);
    const [token, sneaky, last] = r.stdout.split("|");
    expect(token).toBe("tok-abc=def");
    expect(sneaky).toBe(`$(touch ${pwned})`);
    expect(last).toBe("yes");
    expect(existsSync(pwned)).toBe(false);
    expect(r.stderr.match(/ignoring/g)).toHaveLength(3);
    expect(r.stderr).not.toContain("tok-abc");
  });

  it("execs the program (same pid) and runs without an env file", () => {
    const r = spawnSync("/bin/sh", ["-c", `echo "wrapper $$"; exec /bin/sh ${WRAPPER} ${join(dir, "missing.env")} /bin/sh -c 'echo "program $$"'`], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const [w, p] = r.stdout.trim().split("\n").map((l) => l.split(" ")[1]);
    expect(p).toBe(w);
  });

  it("refuses to run without a program", () => {
    const r = spawnSync("/bin/sh", [WRAPPER, join(dir, "x.env")], { encoding: "utf8" });
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("usage: env-wrapper.sh <env-file> <program>");
  });
});
