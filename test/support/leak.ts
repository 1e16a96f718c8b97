// The one check every adversarial test makes: does any fragment of 8 or more
// characters of a secret appear in a text, in any encoding a careless server or
// a formatter could produce? Written independently of components/smoke/checks.ts
// (the code under test), so a bug in its redaction cannot hide itself here.

/**
 * Independent of the code under test: decodes JSON \u, %XX, HTML character
 * references and base64 runs, then looks for any 8-character window of the
 * secret, case-insensitively.
 */
export function leakedFragment(text: string, secret: string): string | undefined {
  const views = [text];
  let t = text;
  for (let i = 0; i < 3; i++) {
    t = t
      .replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))
      .replace(/\\x([0-9a-fA-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))
      .replace(/%([0-9a-fA-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)))
      .replace(/&#x([0-9a-fA-F]+);?/g, (_, h) => String.fromCharCode(parseInt(h, 16)))
      .replace(/&#([0-9]+);?/g, (_, d) => String.fromCharCode(Number(d)))
      .replace(/\\n/g, "\n");
    views.push(t);
  }
  for (const run of text.match(/[A-Za-z0-9+/]{16,}={0,2}/g) ?? []) {
    for (let k = 0; k < 4; k++) views.push(Buffer.from(run.slice(k), "base64").toString("latin1"));
  }
  const hay = views.join("\n").toLowerCase();
  const s = secret.toLowerCase();
  for (let i = 0; i + 8 <= s.length; i++) if (hay.includes(s.slice(i, i + 8))) return s.slice(i, i + 8);
  return undefined;
}

