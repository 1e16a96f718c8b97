// Image pinning (runbook §4.1, §5): a release is reproducible only when the
// image is addressed by content. A tag may precede the digest for readability.

export interface ImageRef {
  /** Registry and repository, e.g. `ghcr.io/openclaw/openclaw`. */
  repo: string;
  /** Optional human tag that precedes the digest, e.g. `2026.9.6`. */
  tag?: string;
  /** `sha256:<64 lowercase hex>`. */
  digest: string;
}

export type ImageCheck = { ok: true; ref: ImageRef } | { ok: false; reason: string };

const DIGEST = /^sha256:[a-f0-9]{64}$/;
// A repository path: optional registry host[:port], then lowercase path components.
const REPO = /^(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export const PINNED_IMAGE_FORMAT = "repo@sha256:<64 hex> or repo:tag@sha256:<64 hex>";

/** Parses an image reference and says why it is not pinned by digest, if it is not. */
export function checkImagePinned(image: unknown): ImageCheck {
  if (typeof image !== "string" || image.trim() === "") {
    return { ok: false, reason: `image is empty; pin it as ${PINNED_IMAGE_FORMAT}` };
  }
  if (image !== image.trim()) {
    return { ok: false, reason: `image "${image}" has surrounding whitespace` };
  }
  const at = image.indexOf("@");
  if (at < 0) {
    const tag = splitTag(image).tag;
    const what = tag === undefined ? "has no tag and no digest" : tag === "latest" ? 'uses the floating tag "latest"' : `uses tag "${tag}" without a digest`;
    return { ok: false, reason: `image "${image}" ${what}; pin it as ${PINNED_IMAGE_FORMAT}` };
  }
  const name = image.slice(0, at);
  const digest = image.slice(at + 1);
  if (!DIGEST.test(digest)) {
    return {
      ok: false,
      reason: `image "${image}" has a malformed digest "${digest}"; a digest is sha256: followed by 64 lowercase hex characters`,
    };
  }
  const { repo, tag } = splitTag(name);
  if (!REPO.test(repo)) {
    return { ok: false, reason: `image "${image}" has an invalid repository "${repo}"` };
  }
  if (tag !== undefined && !TAG.test(tag)) {
    return { ok: false, reason: `image "${image}" has an invalid tag "${tag}"` };
  }
  return { ok: true, ref: tag === undefined ? { repo, digest } : { repo, tag, digest } };
}

function splitTag(name: string): { repo: string; tag?: string } {
  // The tag separator is the last ":" after the last "/" (a registry port is before it).
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  if (colon > slash) return { repo: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repo: name };
}
