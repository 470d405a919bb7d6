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
  const errors: JsonSyntaxError[] = [];
  visit(
    text,
    {
      onError(code, offset, length, startLine, startCharacter) {
        const token = text.slice(offset, offset + Math.min(Math.max(length, 1), MAX_QUOTED_TOKEN));
        const found = token === '' ? 'the file ends' : `unexpected ${JSON.stringify(token)}`;
        const problem = PROBLEMS[printParseErrorCode(code)](found);
        errors.push({ line: startLine + 1, column: startCharacter + 1, problem });
      },
    },
    { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false },
  );
  // The scanner accepts nothing JSON.parse rejects that we know of; if it ever does, say so at the end.
  return errors[0] ?? { ...endOf(text), problem: 'not valid JSON' };
}

function endOf(text: string): { line: number; column: number } {
  const lines = text.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}
