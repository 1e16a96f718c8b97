// Pinning: a release is reproducible and a rollback provable only when every image is
// addressed by content (runbook §4.1, §5).

import { checkImagePinned, PINNED_IMAGE_FORMAT } from "../rules/image";
import { containers, podTemplate, POD_KINDS } from "../model/k8s";
import { resourcePolicy } from "./framework";

interface PinningConfig {
  exemptImages: string[];
}

export const imagePinnedByDigest = resourcePolicy<PinningConfig>(
  {
    name: "image-pinned-by-digest",
    description: `Every container and init container image is pinned by digest (${PINNED_IMAGE_FORMAT}); no floating tags, no malformed digests.`,
    why: "Runbook §4.1/§5: a tag rebuilt two weeks later behaves differently and a rollback cannot prove it runs the incident binary. kube-score's container-image-tag even fails a digest-only image; Checkov CKV_K8S_43 only checks for an @.",
    concern: "pinning",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        exemptImages: {
          type: "array",
          items: { type: "string" },
          default: [],
          description: "Regexes of whole image references exempt from pinning (e.g. a mirror that pins by policy elsewhere). Empty by default.",
        },
      },
    },
  },
  POD_KINDS,
  (o, cfg) => {
    const pod = podTemplate(o);
    if (!pod) return [];
    const exempt = cfg.exemptImages.map((r) => new RegExp(r));
    const out: string[] = [];
    for (const c of containers(pod.spec, ["container", "initContainer", "ephemeralContainer"])) {
      const image = c.raw.image;
      if (typeof image === "string" && exempt.some((re) => re.test(image))) continue;
      const v = checkImagePinned(image);
      if (!v.ok) out.push(`${c.kind} "${c.name}": ${v.reason}`);
    }
    return out;
  },
);
