// Characters a reviewer cannot see (zero-width spaces, direction marks, control characters, unusual spaces) shown as
// `\u{200b}` in what the gate writes (pure): a stage named `produc\u{200b}tion` must not read as `production`.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/gu;

export function showInvisible(text: string): string {
  return text.replace(INVISIBLE, (c) =>
    c === '\n' || c === '\t' ? c : `\\u{${c.codePointAt(0)!.toString(16)}}`,
  );
}
