/**
 * JSON text from an operator (an inventory file): parsed with the native JSON.parse, and when that
 * fails, the first syntax error located by jsonc-parser's scanner, which gives line and column for
 * every kind of error (Node 20's messages carry a position for only some, and echo the whole text
 * for others). The scanner only runs on text JSON.parse already rejected.
 */
import { printParseErrorCode, visit } from 'jsonc-parser';
import type { FieldError } from '../engine/errors';

export type ParseJsonResult = { ok: true; value: unknown } | { ok: false; fieldError: FieldError };

const BYTE_ORDER_MARK = '\uFEFF';

/**
 * JSON.parse without throwing: a syntax error becomes a field error on "(file)" with line and column.
 * A leading UTF-8 byte-order mark (Windows PowerShell 5.1's `Out-File -Encoding utf8` writes one) is
 * read as if it were not there: JSON.parse would reject it, and it is not part of the document.
 */
export function parseJson(withBom: string): ParseJsonResult {
  const text = withBom.startsWith(BYTE_ORDER_MARK) ? withBom.slice(1) : withBom;
  const unreadable = locateUnreadableCharacter(text);
  if (unreadable) {
    return {
      ok: false,
      fieldError: {
        path: '(file)',
        message: `not UTF-8 text at line ${unreadable.line}, column ${unreadable.column}: a character there could not be read (shown as "${REPLACEMENT_CHARACTER}"); save the file as UTF-8, or UTF-16 with a byte-order mark`,
      },
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    const { line, column, problem } = locateJsonSyntaxError(text);
    return {
      ok: false,
      fieldError: { path: '(file)', message: `not valid JSON at line ${line}, column ${column}: ${problem}` },
    };
  }
}

/** What a decoder puts where bytes were not text in its encoding (a Windows code page read as UTF-8). */
const REPLACEMENT_CHARACTER = '\uFFFD';

/**
 * Where the first character lost in decoding is: a file in another encoding (Windows-1250's "ą"
 * is not UTF-8) decodes with a replacement character in place of each such byte, and would be
 * imported with its names silently changed ("Księgowość" as "Ksi?gowo??"). A replacement character
 * the file holds as such was lost in an earlier conversion, and is refused for the same reason.
 */
function locateUnreadableCharacter(text: string): { line: number; column: number } | null {
  const index = text.indexOf(REPLACEMENT_CHARACTER);
  if (index === -1) return null;
  const before = text.slice(0, index);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: index - lineStart + 1 };
}

/**
 * A file's bytes as text, by its byte-order mark: Windows PowerShell 5.1 writes UTF-16LE with
 * `>` / `Out-File` and UTF-8 with a mark with `-Encoding utf8`; no mark reads as UTF-8. The mark
 * itself is dropped. Runs in the browser (the import page) and in Node (the CLI).
 */
export function decodeTextBytes(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  return new TextDecoder('utf-8').decode(bytes);
}

export interface JsonSyntaxError {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units like an editor's. */
  column: number;
  problem: string;
}

type ParseErrorName = ReturnType<typeof printParseErrorCode>;

/** What each scanner error means to someone editing the file; `found` names what is at the error. */
const PROBLEMS: Record<ParseErrorName, (found: string) => string> = {
  InvalidSymbol: (found) => found,
  InvalidNumberFormat: () => 'invalid number',
  PropertyNameExpected: (found) => `${found} (expected a property name in double quotes)`,
  ValueExpected: (found) => `${found} (expected a value)`,
  ColonExpected: (found) => `${found} (expected ':')`,
  CommaExpected: (found) => `${found} (expected ',')`,
  CloseBraceExpected: (found) => `${found} (expected ',' or '}')`,
  CloseBracketExpected: (found) => `${found} (expected ',' or ']')`,
  EndOfFileExpected: (found) => `${found} after the end of the document`,
  InvalidCommentToken: () => 'comments are not allowed in JSON',
  UnexpectedEndOfComment: () => 'comments are not allowed in JSON',
  UnexpectedEndOfString: () => 'unterminated string (a string ends on the line it starts)',
  UnexpectedEndOfNumber: () => 'incomplete number',
  InvalidUnicode: () => 'invalid \\u escape in string',
  InvalidEscapeCharacter: () => 'invalid escape in string',
  InvalidCharacter: () => 'control character in string (escape it)',
  '<unknown ParseErrorCode>': (found) => found,
};

const MAX_QUOTED_TOKEN = 20;

/** The first syntax error of a text JSON.parse rejected. */
export function locateJsonSyntaxError(text: string): JsonSyntaxError {
  // The scanner recurses once per nesting level (thousands of "[" exhaust the stack): it reads the
  // text up to where it nests deeper than any document read here, and an error before that is first.
  const deep = tooDeep(text);
  const scanned = deep ? text.slice(0, deep.offset) : text;
  const errors: JsonSyntaxError[] = [];
  visit(
    scanned,
    {
      onError(code, offset, length, startLine, startCharacter) {
        if (deep && offset >= scanned.length) return; // where the scan was cut, not the file's end
        const token = text.slice(offset, offset + Math.min(Math.max(length, 1), MAX_QUOTED_TOKEN));
        const found = token === '' ? 'the file ends' : `unexpected ${JSON.stringify(token)}`;
        const problem = PROBLEMS[printParseErrorCode(code)](found);
        errors.push({ line: startLine + 1, column: startCharacter + 1, problem });
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  // The scanner accepts nothing JSON.parse rejects that we know of; if it ever does, say so at the end.
  return errors[0] ?? deep?.error ?? { ...endOf(text), problem: 'not valid JSON' };
}

/** Deeper than this is no inventory nor collector document (they nest a few levels). */
const MAX_NESTING = 1000;

/** Where the text's arrays and objects first nest deeper than MAX_NESTING, if they do. */
function tooDeep(text: string): { offset: number; error: JsonSyntaxError } | null {
  let depth = 0;
  let isInString = false;
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '\n') {
      line++;
      lineStart = index + 1;
    } else if (isInString) {
      if (char === '\\') index++;
      else if (char === '"') isInString = false;
    } else if (char === '"') isInString = true;
    else if (char === '[' || char === '{') {
      depth++;
      if (depth > MAX_NESTING) {
        const problem = `nested more than ${MAX_NESTING} levels deep (an inventory file nests a few)`;
        return { offset: index, error: { line, column: index - lineStart + 1, problem } };
      }
    } else if (char === ']' || char === '}') depth--;
  }
  return null;
}

function endOf(text: string): { line: number; column: number } {
  const lines = text.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}
