// The CA bundle a stack names for the Ingress smoke path: read once, checked
// before any resource is registered, and handed to the smoke checks as text (a
// CA certificate is public; the path alone would not travel to another machine).
import { X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;

/** The PEM certificates of a bundle file; throws with the reason. */
export function readCaBundle(path: string): string {
  const st = statSync(path);
  if (!st.isFile()) throw new Error("is not a regular file");
  if (st.size > MAX_BUNDLE_BYTES) throw new Error(`is ${st.size} bytes; a CA bundle is far smaller (at most ${MAX_BUNDLE_BYTES})`);
  const text = readFileSync(path, "utf8");
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) throw new Error("contains a private key; name a file with the CA certificate(s) only");
  const certs = text.match(PEM_CERT) ?? [];
  if (certs.length === 0) throw new Error("holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  for (const pem of certs) new X509Certificate(pem);
  return `${certs.join("\n")}\n`;
}

/** Why `path` cannot serve as the CA bundle, or undefined. */
export function caBundleProblem(path: string): string | undefined {
  if (!path.startsWith("/")) return "must be an absolute path to a PEM file with the CA certificate(s) that signed the Ingress certificate";
  try {
    readCaBundle(path);
    return undefined;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT") return "does not exist; name the PEM file with the CA certificate(s) that signed the Ingress certificate";
    return `${err.code ? `cannot be read (${err.code})` : err.message}`;
  }
}
