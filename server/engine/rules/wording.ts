/**
 * Wording helpers of the rules and the planner: one flat string per worded output, and lists of
 * names cut to a readable length.
 */

/**
 * Tag for worded output (`flat\`VM '${name}' …\``): the same text as the plain template literal, but
 * built as one flat string. A template literal is a tree of concatenation nodes, one or two per
 * interpolation; findings, reasons and recommendations live as long as the assessment, so every
 * garbage collection they survive copies each node. Joining the parts allocates the text once.
 */
export function flat(strings: TemplateStringsArray, ...values: unknown[]): string {
  const parts = new Array<string>(strings.length + values.length);
  parts[0] = strings[0];
  for (let i = 0; i < values.length; i++) {
    parts[2 * i + 1] = String(values[i]);
    parts[2 * i + 2] = strings[i + 1];
  }
  return parts.join('');
}

const MAX_NAMES_IN_MESSAGE = 10;

/** "a, b and c"; long lists are cut ("a, b, … and 42 more") — the finding's objects keep them all. */
export function listNames(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length > MAX_NAMES_IN_MESSAGE) {
    const shown = names.slice(0, MAX_NAMES_IN_MESSAGE);
    return `${shown.join(', ')} and ${names.length - shown.length} more`;
  }
  if (names.length === 1) return names[0];
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * listNames(quoted(names of the objects)), built as one string from only the names it shows:
 * co-captured lists run to hundreds of VMs and are worded once per VM. `first`, when given, is
 * listed before the objects; `except`, when given, is left out of them (naming the others on a
 * shared list without copying it).
 */
export function listQuotedNames(
  objects: readonly { name: string }[],
  first?: { name: string },
  except?: object,
): string {
  const isExcepted = except !== undefined && objects.includes(except as { name: string });
  const count = objects.length + (first ? 1 : 0) - (isExcepted ? 1 : 0);
  if (count === 0) return '';
  const isCut = count > MAX_NAMES_IN_MESSAGE;
  const shown = isCut ? MAX_NAMES_IN_MESSAGE : count;
  const parts = new Array<string>(shown * 2 + 1);
  parts[0] = "'";
  let next = 0;
  for (let i = 0; i < shown; i++) {
    let name: string;
    if (i === 0 && first) name = first.name;
    else {
      if (isExcepted && objects[next] === except) next++;
      name = objects[next++].name;
    }
    parts[2 * i + 1] = name;
    const isLast = i === shown - 1;
    if (isLast) parts[2 * i + 2] = isCut ? `' and ${count - shown} more` : "'";
    else parts[2 * i + 2] = isCut || i < shown - 2 ? "', '" : "' and '";
  }
  return parts.join('');
}

export function quoted(names: string[]): string[] {
  return names.map((n) => `'${n}'`);
}

const GIB = 1024 ** 3;
/** Binary units, as the console's sizes (GiB/TiB): "10 GiB", "1.5 GiB". */
export function formatGiB(bytes: number): string {
  const gib = bytes / GIB;
  return `${gib >= 10 ? Math.round(gib) : Math.round(gib * 10) / 10} GiB`;
}
