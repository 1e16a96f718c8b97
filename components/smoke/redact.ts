// Redaction and display of text that may carry a secret or come from a server: a
// token, or any 8-character fragment of it, also encoded (base64, %, \\u, &#), never
// reaches evidence, logs or errors; control characters are shown, not obeyed.
// Node built-ins only: bundled into the smoke Job's script (job.ts).

/** Characters of a server string scanned for display (far more than any reason shows). */
export const SCAN_CHARS = 16 * 1024;

/** Shortest secret fragment that is redacted wherever it appears. */
const FRAGMENT_CHARS = 8;
const REDACTED = "[redacted]";

/** Text seen as code units that remember their span in the original (parallel arrays: cheap for large texts). */
interface View {
  ch: string[];
  from: Int32Array;
  to: Int32Array;
}

const HEX = /^[0-9a-fA-F]+$/;
const SIMPLE_ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", f: "\f", '"': '"', "/": "/", "\\": "\\", "'": "'" };

/**
 * One decoding pass: JSON/JS escapes (\uXXXX, \xXX, \n, \", \\ ...), percent-encoding
 * (%XX) and HTML character references (&#NN; &#xHH;). A server that echoes the
 * token in any of these forms, or in a mix of them, is still caught.
 */
function decodeOnce(v: View): View {
  const n = v.ch.length;
  const ch: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  const at = (i: number) => (i < n ? v.ch[i] : "");
  const emit = (i: number, len: number, c: string) => {
    ch.push(c);
    from.push(v.from[i]);
    to.push(v.to[i + len - 1]);
  };
  for (let i = 0; i < n; ) {
    const c = v.ch[i];
    if (c === "\\") {
      const nx = at(i + 1);
      const hex4 = at(i + 2) + at(i + 3) + at(i + 4) + at(i + 5);
      if (nx === "u" && hex4.length === 4 && HEX.test(hex4)) {
        emit(i, 6, String.fromCharCode(parseInt(hex4, 16)));
        i += 6;
        continue;
      }
      const hex2 = at(i + 2) + at(i + 3);
      if (nx === "x" && hex2.length === 2 && HEX.test(hex2)) {
        emit(i, 4, String.fromCharCode(parseInt(hex2, 16)));
        i += 4;
        continue;
      }
      if (nx in SIMPLE_ESCAPES) {
        emit(i, 2, SIMPLE_ESCAPES[nx]);
        i += 2;
        continue;
      }
    } else if (c === "%") {
      const hex2 = at(i + 1) + at(i + 2);
      if (hex2.length === 2 && HEX.test(hex2)) {
        emit(i, 3, String.fromCharCode(parseInt(hex2, 16)));
        i += 3;
        continue;
      }
    } else if (c === "&" && at(i + 1) === "#") {
      let j = i + 2;
      const isHex = at(j) === "x" || at(j) === "X";
      if (isHex) j++;
      let digits = "";
      while (j < n && digits.length < 7 && (isHex ? HEX : /^[0-9]$/).test(at(j))) digits += at(j++);
      if (digits && digits.length <= 6) {
        const end = at(j) === ";" ? j + 1 : j;
        const code = parseInt(digits, isHex ? 16 : 10);
        if (code <= 0xffff) {
          emit(i, end - i, String.fromCharCode(code));
          i = end;
          continue;
        }
      }
    }
    emit(i, 1, c);
    i++;
  }
  return { ch, from: Int32Array.from(from), to: Int32Array.from(to) };
}

/** The fragments of a secret that must not appear: every 8-character window (lowercased), of it and of its base64 forms. */
function secretGrams(secret: string): { grams: Set<string>; size: number } {
  const size = Math.min(FRAGMENT_CHARS, secret.length);
  const grams = new Set<string>();
  const forms = [secret];
  // Base64 of the secret at each of the three alignments (an echoed Basic header or a JWT-like wrapper).
  for (let k = 0; k < 3 && secret.length - k >= 12; k++) {
    const b = Buffer.from(secret.slice(k), "utf8").toString("base64").replace(/=+$/, "");
    forms.push(b.slice(4, b.length - 4));
  }
  for (const f of forms) {
    const lower = f.toLowerCase();
    for (let i = 0; i + size <= lower.length; i++) grams.add(lower.slice(i, i + size));
  }
  return { grams, size };
}

/**
 * Removes every occurrence of each secret, and every fragment of 8 or more of
 * its characters, from text: raw, JSON-escaped, \u- or %-encoded, as HTML
 * character references, in base64, in any mix and case. Secrets under 4
 * characters are ignored (the token rule refuses them long before).
 * Run it on the whole text BEFORE anything is truncated: a cut can split a
 * secret so that no complete occurrence is left, but never an 8-character
 * fragment.
 */
export function redact(text: string, secrets: Array<string | undefined>): string {
  const useful = secrets.filter((s): s is string => typeof s === "string" && s.length >= 4);
  if (useful.length === 0 || text.length === 0) return text;
  const ranges: Array<[number, number]> = [];
  const n = text.length;
  if (!/[\\%&]/.test(text)) {
    // Nothing to decode: scan the text itself (the common case, and cheap for large texts).
    const lower = text.toLowerCase();
    if (lower.length === n) {
      for (const secret of useful) {
        const { grams, size } = secretGrams(secret);
        for (let i = 0; i + size <= n; i++) if (grams.has(lower.slice(i, i + size))) ranges.push([i, i + size]);
      }
      return replaceRanges(text, ranges);
    }
  }
  let view: View = { ch: text.split(""), from: Int32Array.from({ length: n }, (_, i) => i), to: Int32Array.from({ length: n }, (_, i) => i + 1) };
  const views: View[] = [view];
  // Only texts with an escape, a % or an & can decode to anything new.
  if (/[\\%&]/.test(text)) {
    for (let round = 0; round < 3; round++) {
      const next = decodeOnce(view);
      if (next.ch.length === view.ch.length) break;
      views.push(next);
      view = next;
    }
  }
  for (const secret of useful) {
    const { grams, size } = secretGrams(secret);
    for (const v of views) {
      const lower = v.ch.join("").toLowerCase();
      // One code unit per entry: indexes of `lower` and the view line up (toLowerCase keeps ASCII lengths; others cannot match).
      if (lower.length !== v.ch.length) continue;
      for (let i = 0; i + size <= lower.length; i++) {
        if (grams.has(lower.slice(i, i + size))) ranges.push([v.from[i], v.to[i + size - 1]]);
      }
    }
  }
  return replaceRanges(text, ranges);
}

function replaceRanges(text: string, ranges: Array<[number, number]>): string {
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const l = merged[merged.length - 1];
    if (l && r[0] <= l[1]) l[1] = Math.max(l[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  let out = "";
  let pos = 0;
  for (const [from, to] of merged) {
    out += text.slice(pos, from) + REDACTED;
    pos = to;
  }
  return out + text.slice(pos);
}

/** Redacts every string (keys too) of a JSON-able value; the shape stays valid JSON. */
export function redactDeep<T>(value: T, secrets: Array<string | undefined>): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redact(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [redact(k, secrets), walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * A server-controlled string made safe for a terminal and for evidence: ANSI
 * sequences removed, every other control, line/paragraph separator and bidi
 * override shown as a visible escape (so no forged lines, no colours, no
 * cursor moves), at most `max` characters. Escaping instead of deleting keeps
 * apart what the server sent apart (deleting could join two halves of a secret).
 */
export function cleanText(text: string, max: number): string {
  const noAnsi = text
    .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g, "\\e]")
    .replace(/(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]?/g, "\\e[");
  const visible = noAnsi.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
  if (visible.length <= max) return visible;
  const keep = Math.max(0, max - 20);
  return `${visible.slice(0, keep)}...[+${visible.length - keep} chars]`;
}
