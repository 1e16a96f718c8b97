// Where the install lives on the Mac: the install root and what launchd and the gateway use
// under the user's home. Pure.
import type { MacConfig } from "./config";

export interface MacLayout {
  home: string;
  /** Install root: releases/, generations/, current, env/, state/, bin/, bundles/, packs/. */
  root: string;
  packsDir: string;
  plistPath: string;
  logFile: string;
  envFile: string;
  stateDir: string;
  bundlesDir: string;
  current: string;
}

export function macLayout(mac: MacConfig): MacLayout {
  const home = mac.home ?? `/Users/${mac.ssh.user}`;
  const root = `${home}/${mac.installDir}`;
  const short = mac.label.split(".").pop()!;
  return {
    home,
    root,
    packsDir: `${root}/packs`,
    // components/mac/README.md, "Facts": where OpenClaw's own launchd support puts them.
    plistPath: `${home}/Library/LaunchAgents/${mac.label}.plist`,
    logFile: `${home}/Library/Logs/openclaw/${short}.log`,
    envFile: `${root}/env/${mac.label}.env`,
    stateDir: `${root}/state`,
    bundlesDir: `${root}/bundles`,
    current: `${root}/current`,
  };
}

