/** A Markdown table; `align` per column, 'r' for numbers. */
export function table(head: string[], rows: string[][], align: Array<'l' | 'r'> = []): string {
  const sep = head.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

const missing = '–';

/** Whole number with thin grouping (12 345). */
export function int(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return missing;
  return Math.round(value).toLocaleString('en-US').replace(/,/g, ' ');
}

export function fixed(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return missing;
  return value.toFixed(digits);
}

/** A signed number, e.g. +12.3 or −4.0. */
export function signed(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return missing;
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`;
}
