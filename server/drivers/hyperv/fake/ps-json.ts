/**
 * What Windows PowerShell 5.1's `ConvertTo-Json` writes, for the fake host (CONNECTORS.md §2.2):
 * - dates as `"\/Date(<ms since epoch>)\/"` (the escaped slashes are in the text);
 * - enums as their numbers (the model holds them as numbers already);
 * - `<`, `>`, `'` and `&` escaped as `\u003c`… (the JavaScriptSerializer underneath does that);
 * - past `-Depth` levels an object is replaced by its ToString(): `@{Name=x; Size=1}` for a
 *   PSCustomObject, `System.Object[]` for an array.
 * `pipelineValue` is what `$x = & { … }` assigns: nothing is $null, one object stays an object,
 * several become an array.
 */

export class PsDate {
  constructor(readonly date: Date) {}
}

export function pipelineValue<T>(items: readonly T[]): T | T[] | null {
  if (items.length === 0) return null;
  if (items.length === 1) return items[0];
  return [...items];
}

function toStringShallow(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return 'System.Object[]';
  if (value instanceof PsDate) return value.date.toISOString();
  if (typeof value === 'object') {
    const parts = Object.entries(value as Record<string, unknown>).map(
      ([key, inner]) => `${key}=${Array.isArray(inner) ? 'System.Object[]' : toStringShallow(inner)}`,
    );
    return `@{${parts.join('; ')}}`;
  }
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

function quote(text: string): string {
  return JSON.stringify(text).replace(
    /[<>'&]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function write(value: unknown, depthLeft: number): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PsDate) return `"\\/Date(${value.date.getTime()})\\/"`;
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (depthLeft < 0) return quote(toStringShallow(value));
  if (Array.isArray(value)) return `[${value.map((item) => write(item, depthLeft - 1)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([key, inner]) => `${quote(key)}:${write(inner, depthLeft - 1)}`,
  );
  return `{${entries.join(',')}}`;
}

/** `ConvertTo-Json -Depth depth -Compress` of `value`. */
export function convertToJson(value: unknown, depth = 2): string {
  return write(value, depth);
}
