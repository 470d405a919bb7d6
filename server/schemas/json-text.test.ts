import { describe, expect, it } from 'vitest';
import { locateJsonSyntaxError, parseJson } from './json-text';

describe('parseJson', () => {
  it('parses valid JSON', () => {
    expect(parseJson('{"hosts": [1, "two", null]}')).toEqual({
      ok: true,
      value: { hosts: [1, 'two', null] },
    });
  });

  it('reads a leading UTF-8 byte-order mark as if it were not there, and counts lines without it', () => {
    expect(parseJson('\uFEFF{"hosts": []}')).toEqual({ ok: true, value: { hosts: [] } });
    expect(parseJson('\uFEFF{\n  "hosts": [,]\n}')).toMatchObject({
      ok: false,
      fieldError: { message: expect.stringMatching(/^not valid JSON at line 2, column 13:/) },
    });
  });

  it.each([
    ['a byte a Windows code page wrote, decoded as UTF-8', '{"name": "Ksi\uFFFDgowo"}', 1, 14],
    ['the same on the third line of a CRLF file', '{\r\n  "hosts": [],\r\n  "x": "\uFFFD"\r\n}', 3, 9],
  ])('refuses %s, naming where the lost character is', (_what, text, line, column) => {
    expect(parseJson(text)).toEqual({
      ok: false,
      fieldError: {
        path: '(file)',
        message: `not UTF-8 text at line ${line}, column ${column}: a character there could not be read (shown as "\uFFFD"); save the file as UTF-8, or UTF-16 with a byte-order mark`,
      },
    });
  });

  it('reads a replacement character written as an escape: the file says what it means', () => {
    expect(parseJson('{"name": "\\uFFFD"}')).toEqual({ ok: true, value: { name: '\uFFFD' } });
  });

  it('says where a syntax error is, as a field error on the file', () => {
    expect(parseJson('{\n  "hosts": [,]\n}')).toEqual({
      ok: false,
      fieldError: {
        path: '(file)',
        message: 'not valid JSON at line 2, column 13: unexpected "," (expected a value)',
      },
    });
  });

  it('does not echo the text in its message (a large file would flood the answer)', () => {
    const text = `{"hosts": [${'1,'.repeat(10_000)}]}`;
    const result = parseJson(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.fieldError.message.length).toBeLessThan(120);
  });
});

describe('locateJsonSyntaxError', () => {
  // Every kind of error JSON.parse rejects, with where an editor would show it and what is wrong.
  it.each([
    ['a missing value', '{\n  "hosts": [,]\n}', 2, 13, 'unexpected "," (expected a value)'],
    [
      'a trailing comma in an object',
      '{"hosts": [\n  {"id": "h",}\n]}',
      2,
      14,
      'unexpected "}" (expected a property name in double quotes)',
    ],
    ['a bracket closing the wrong thing', '{\n "hosts": [}\n', 2, 12, 'unexpected "}" (expected a value)'],
    ['an empty file', '', 1, 1, 'the file ends (expected a value)'],
    ['only whitespace', ' \n ', 2, 2, 'the file ends (expected a value)'],
    ['a file cut short', '{"a": 1', 1, 8, "the file ends (expected ',' or '}')"],
    ['an array cut short', '[1,\r\n2', 2, 2, "the file ends (expected ',' or ']')"],
    ['a missing colon', '{"a" 1}', 1, 6, `unexpected "1" (expected ':')`],
    ['a missing comma', '{"a": 01}', 1, 8, `unexpected "1" (expected ',')`],
    ['single quotes', "{'a': 1}", 1, 2, `unexpected "'a'"`],
    ['a misspelt literal', '{"a": tru}', 1, 7, 'unexpected "tru"'],
    ['NaN', '{"a": NaN}', 1, 7, 'unexpected "NaN"'],
    ['a word after the document', '{"a": 1}\n x', 2, 2, 'unexpected "x"'],
    ['a second document', '{} {}', 1, 4, 'unexpected "{" after the end of the document'],
    [
      'a line break inside a string',
      '{"a": "x\ny"}',
      1,
      7,
      'unterminated string (a string ends on the line it starts)',
    ],
    [
      'an unterminated string',
      '{"a": "abc',
      1,
      7,
      'unterminated string (a string ends on the line it starts)',
    ],
    ['a tab inside a string', '{"a": "x\ty"}', 1, 7, 'control character in string (escape it)'],
    ['a bad escape', '{"a": "\\q"}', 1, 7, 'invalid escape in string'],
    ['a bad \\u escape', '{"a": "\\u12"}', 1, 7, 'invalid \\u escape in string'],
    ['an incomplete number', '{"a": 1.}', 1, 7, 'incomplete number'],
    ['a comment', '{"a": 1 /* why */}', 1, 9, 'comments are not allowed in JSON'],
    ['a byte-order mark', '\uFEFF{}', 1, 1, 'unexpected "\uFEFF"'],
    // The scanner recurses per level: ten thousand would exhaust the stack.
    [
      'arrays nested deeper than any inventory',
      `{"hosts": ${'['.repeat(10_000)}`,
      1,
      1010,
      'nested more than 1000 levels deep (an inventory file nests a few)',
    ],
    ['an error before the deep nesting', `{"a": x, "b": ${'[{"c": '.repeat(5000)}`, 1, 7, 'unexpected "x"'],
  ])('%s', (_what, text, line, column, problem) => {
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(locateJsonSyntaxError(text)).toEqual({ line, column, problem });
  });
});
