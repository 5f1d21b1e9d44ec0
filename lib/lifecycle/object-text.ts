/**
 * The top-level entries of a JSON object's text, without parsing its values:
 * key → the text of its value, as written. For text JSON.stringify wrote (no
 * whitespace) each value's text is what JSON.stringify makes of the parsed
 * value again, so the map is the per-key snapshot `snapshotOf(JSON.parse(text))`
 * would build, at a third of the cost. Anything else (whitespace, truncated
 * text) gives undefined, and the caller parses. A text whose values were
 * spelled otherwise gives texts that differ from what their values serialise
 * to: a commit then sees those keys as changed and writes them again, never
 * the other way round.
 */
export function entriesOfObjectText(text: string): Map<string, string> | undefined {
  const entries = new Map<string, string>();
  const end = text.length - 1;
  if (text.charCodeAt(0) !== 123 || text.charCodeAt(end) !== 125) return undefined; // '{' … '}'
  let i = 1;
  while (i < end) {
    if (text.charCodeAt(i) !== 34) return undefined; // a key's '"'
    const keyStart = i;
    i = afterString(text, i);
    if (i < 0 || text.charCodeAt(i) !== 58) return undefined; // ':'
    const keyText = text.slice(keyStart, i);
    const valueStart = ++i;
    let depth = 0;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        const after = afterString(text, i);
        if (after < 0) return undefined;
        i = after - 1;
      } else if (c === 123 || c === 91)
        depth++; // '{' '['
      else if (c === 125 || c === 93)
        depth--; // '}' ']'
      else if (c === 44 && depth === 0) break; // ','
    }
    if (depth !== 0 || i === valueStart) return undefined;
    let key: string;
    try {
      key = keyText.includes('\\') ? (JSON.parse(keyText) as string) : keyText.slice(1, -1);
    } catch {
      return undefined;
    }
    entries.set(key, text.slice(valueStart, i));
    i++;
  }
  return entries;
}

/** Index just past the string starting at `start` (its opening quote), or -1 when it does not end. */
function afterString(text: string, start: number): number {
  for (let j = start + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 92)
      j++; // a backslash escapes the next character
    else if (c === 34) return j + 1;
  }
  return -1;
}
