// Values as the Kubernetes API server judges them: names, labels, quantities,
// CIDRs. Pure and self-contained (the pack must not reach outside policy-pack/),
// shared by the stack config (components/config/) and any policy that needs
// them. Each `...Problem` function returns why a value would be refused, in
// words that name what would be right, or undefined when it is fine.
//
// The rules follow k8s.io/apimachinery: validation.IsDNS1123Label (63),
// IsDNS1123Subdomain (253), IsQualifiedName (label keys: prefix ≤ 253 + "/" +
// name ≤ 63), IsValidLabelValue (63), resource.ParseQuantity (the quantity
// grammar), and Go's net.ParseCIDR as NetworkPolicy ipBlock validation uses it.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export function dnsLabelProblem(v: string): string | undefined {
  if (v.length > 63) return `is ${v.length} characters; a DNS label has at most 63`;
  if (!DNS_LABEL.test(v)) return "must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit";
  return undefined;
}

export function dnsSubdomainProblem(v: string): string | undefined {
  if (v.length > 253) return `is ${v.length} characters; a DNS subdomain has at most 253`;
  if (!DNS_SUBDOMAIN.test(v)) return "must be a DNS subdomain: dot-separated lowercase labels of letters, digits and '-'";
  for (const label of v.split(".")) if (label.length > 63) return `has a ${label.length}-character label; each label has at most 63`;
  return undefined;
}

export function labelKeyProblem(k: string): string | undefined {
  const slash = k.lastIndexOf("/");
  const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
  const name = slash >= 0 ? k.slice(slash + 1) : k;
  if (prefix !== undefined) {
    const p = dnsSubdomainProblem(prefix);
    if (p) return `has a prefix that ${p}`;
  }
  if (name.length === 0) return "has an empty name; a label key is [prefix/]name, e.g. team or example.com/team";
  if (name.length > 63) return `has a ${name.length}-character name; at most 63`;
  if (!QUALIFIED_NAME.test(name)) return "must be a label key: [prefix/]name, the name of A–Z a–z 0–9 - _ . starting and ending alphanumeric (e.g. team or example.com/team)";
  return undefined;
}

export function labelValueProblem(v: string): string | undefined {
  if (v.length > 63) return `is ${v.length} characters; a label value has at most 63`;
  if (v !== "" && !QUALIFIED_NAME.test(v)) return "must be a label value: A–Z a–z 0–9 - _ . starting and ending alphanumeric (or empty)";
  return undefined;
}

// ---- quantities -----------------------------------------------------------------

/** An exact rational value: num / den. */
interface Exact {
  num: bigint;
  den: bigint;
}

const QUANTITY = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;
const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
/** Kubernetes counts quantities in int64. */
const INT64_MAX = (1n << 63n) - 1n;

/** The exact value of a Kubernetes quantity ("1Gi", "500m", "1e9", "0.5"), or undefined if the API would refuse it. */
function parseQuantityExact(q: string): Exact | undefined {
  const m = QUANTITY.exec(q);
  if (!m) return undefined;
  const [, sign, digits, exp, suffix = ""] = m;
  const [whole, frac = ""] = digits.split(".");
  let num = BigInt(`${whole || "0"}${frac}` || "0");
  let den = 10n ** BigInt(frac.length);
  if (sign === "-") num = -num;
  if (exp !== undefined) {
    const e = Number(exp);
    if (Math.abs(e) > 40) return undefined;
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
  } else if (suffix in BINARY) {
    num *= BINARY[suffix];
  } else {
    const e = DECIMAL[suffix];
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
  }
  return { num, den };
}

const MIB = 1n << 20n;
const KIB = 1n << 10n;

/** Bytes of a memory quantity, or why it cannot be one. */
export function memoryQuantity(q: string): { bytes: number; canonical: string } | { problem: string } {
  const hint = 'a Kubernetes memory quantity such as "925Mi", "1Gi" or "1e9"';
  if (q !== q.trim() || q === "") return { problem: `must be ${hint}, without spaces` };
  const v = parseQuantityExact(q);
  if (!v) return { problem: `must be ${hint} (binary suffixes Ki Mi Gi Ti Pi Ei, decimal k M G T P E; "GB" or "mb" are not quantities)` };
  if (v.num <= 0n) return { problem: "must be more than 0" };
  if (v.num % v.den !== 0n) return { problem: "is not a whole number of bytes" };
  const bytes = v.num / v.den;
  if (bytes > INT64_MAX) return { problem: "is more than Kubernetes can count (int64 bytes, about 8Ei)" };
  const canonical = bytes % MIB === 0n ? `${bytes / MIB}Mi` : bytes % KIB === 0n ? `${bytes / KIB}Ki` : `${bytes}`;
  return { bytes: Number(bytes), canonical };
}

/** Millicores of a CPU quantity, or why it cannot be one. */
export function cpuQuantity(q: string): { millicores: number; canonical: string } | { problem: string } {
  const hint = 'a Kubernetes CPU quantity such as "500m", "1" or "0.5"';
  if (q !== q.trim() || q === "") return { problem: `must be ${hint}, without spaces` };
  const v = parseQuantityExact(q);
  if (!v) return { problem: `must be ${hint}` };
  if (v.num <= 0n) return { problem: "must be more than 0" };
  const milli = v.num * 1000n;
  if (milli % v.den !== 0n) return { problem: "is finer than 1m (one millicore), the smallest CPU unit" };
  const m = milli / v.den;
  if (m > INT64_MAX) return { problem: "is more than Kubernetes can count (int64 millicores)" };
  return { millicores: Number(m), canonical: m % 1000n === 0n ? `${m / 1000n}` : `${m}m` };
}

// ---- CIDRs ----------------------------------------------------------------------

interface CidrRange {
  v6: boolean;
  prefix: number;
  start: bigint;
  end: bigint;
}

function ipv4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    // Go's parser refuses leading zeros ("010" reads as octal elsewhere).
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(Number(p));
  }
  return n;
}

function ipv6(s: string): bigint | undefined {
  let str = s;
  let tail: bigint | undefined;
  const dot = str.lastIndexOf(":");
  if (str.includes(".")) {
    tail = ipv4(str.slice(dot + 1));
    if (tail === undefined) return undefined;
    str = `${str.slice(0, dot + 1)}0:0`;
  }
  const halves = str.split("::");
  if (halves.length > 2) return undefined;
  const split = (h: string) => (h === "" ? [] : h.split(":"));
  const head = split(halves[0]);
  const rest = halves.length === 2 ? split(halves[1]) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  let n = 0n;
  for (const g of [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...rest]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail !== undefined) n = (n & ~0xffffffffn) | tail;
  return n;
}

/** An IPv4 or IPv6 address (no brackets, no zone), or undefined. */
function parseIp(s: string): { v6: boolean; n: bigint } | undefined {
  if (s.includes(":")) {
    const n = ipv6(s);
    return n === undefined ? undefined : { v6: true, n };
  }
  const n = ipv4(s);
  return n === undefined ? undefined : { v6: false, n };
}

function formatNetwork(r: CidrRange): string {
  if (!r.v6) return `${[24n, 16n, 8n, 0n].map((s) => String((r.start >> s) & 255n)).join(".")}/${r.prefix}`;
  const groups = Array.from({ length: 8 }, (_, i) => ((r.start >> BigInt(112 - i * 16)) & 0xffffn).toString(16));
  return `${groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::")}/${r.prefix}`;
}

/** A CIDR as NetworkPolicy ipBlock takes it, or why not. */
function cidrRange(v: string): CidrRange | { problem: string } {
  if (/\s/.test(v)) return { problem: "contains whitespace" };
  const slash = v.indexOf("/");
  if (slash < 0) return { problem: 'has no prefix length; write a CIDR such as "10.0.0.0/16" (a single address is "10.0.0.7/32")' };
  const addr = v.slice(0, slash);
  const prefixText = v.slice(slash + 1);
  if (addr.includes("%")) return { problem: "has an IPv6 zone (%...); ipBlock takes none" };
  const ip = parseIp(addr);
  if (!ip) return { problem: 'is not an IPv4 or IPv6 CIDR such as "10.0.0.0/16" or "fd00::/64"' };
  const bits = ip.v6 ? 128 : 32;
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits) return { problem: `has prefix length "${prefixText}"; it must be 0–${bits}` };
  const prefix = Number(prefixText);
  const host = (1n << BigInt(bits - prefix)) - 1n;
  const start = ip.n & ~host & ((1n << BigInt(bits)) - 1n);
  const r = { v6: ip.v6, prefix, start, end: start | host };
  if ((ip.n & host) !== 0n) return { problem: `has host bits set; the network is ${formatNetwork(r)}` };
  return r;
}

export function cidrProblem(v: string): string | undefined {
  const r = cidrRange(v);
  return "problem" in r ? r.problem : undefined;
}

/** Why `except` is not a valid exception of `cidr` (the API requires a strict subset of the same family). */
export function exceptProblem(cidr: string, except: string): string | undefined {
  const c = cidrRange(cidr);
  const e = cidrRange(except);
  if ("problem" in e) return e.problem;
  if ("problem" in c) return undefined; // the cidr reports its own problem
  if (c.v6 !== e.v6) return `is ${e.v6 ? "IPv6" : "IPv4"} but cidr ${cidr} is ${c.v6 ? "IPv6" : "IPv4"}; an exception must be of the same family`;
  if (!(e.start >= c.start && e.end <= c.end && e.prefix > c.prefix)) return `is not inside ${cidr}; an exception must be a strict subset of its cidr`;
  return undefined;
}

// ---- host names -----------------------------------------------------------------

/** A host for SSH: a DNS name (RFC 1123) or an IPv4/IPv6 address, nothing else (no user@, port, spaces or newlines). */
export function hostProblem(h: string): string | undefined {
  if (h === "") return "is empty";
  if (/[\s\u0000-\u001f\u007f]/.test(h)) return "contains whitespace or control characters";
  if (parseIp(h.replace(/^\[(.*)\]$/, "$1"))) return h.startsWith("[") ? "must be an address without brackets" : undefined;
  const name = h.endsWith(".") ? h.slice(0, -1) : h;
  if (name.length > 253) return `is ${name.length} characters; a host name has at most 253`;
  const labels = name.split(".");
  if (labels.every((l) => /^[0-9]+$/.test(l))) return "is not a valid IPv4 address";
  for (const l of labels) {
    if (!/^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$/.test(l)) return "must be a host name (letters, digits, '-', dot-separated labels of at most 63) or an IP address";
  }
  return undefined;
}

// ---- release versions -----------------------------------------------------------

/**
 * Why an OpenClaw release (`YYYY.M.D`, optional `-prerelease`) names no real
 * date, or is not a valid npm version (no leading zeros), or undefined.
 */
export function releaseDateProblem(release: string): string | undefined {
  const m = /^([0-9]{4})\.([0-9]{1,2})\.([0-9]{1,3})(?:-[0-9A-Za-z.-]+)?$/.exec(release);
  if (!m) return 'must be an OpenClaw release YYYY.M.D such as "2026.9.6"';
  const [, y, mo, d] = m;
  if (/^0[0-9]/.test(mo) || /^0[0-9]/.test(d)) return "has a leading zero; npm versions have none (2026.9.6, not 2026.09.06)";
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 2000 || year > 2100) return `has year ${year}; OpenClaw releases are dated 2000–2100`;
  if (month < 1 || month > 12) return `has month ${month}; it must be 1–12`;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > days) return `has day ${day}; ${year}-${month} has days 1–${days}`;
  return undefined;
}
