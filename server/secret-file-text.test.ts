import { describe, expect, it } from 'vitest';
import { secretFileText } from './secret-file-text';

describe('secretFileText', () => {
  it.each([
    ['as typed', 'long-password-1', 'long-password-1'],
    ['one LF at the end', 'long-password-1\n', 'long-password-1'],
    ['one CRLF at the end (Windows)', 'long-password-1\r\n', 'long-password-1'],
    ['a byte-order mark at the start (Notepad)', '\uFEFFlong-password-1\r\n', 'long-password-1'],
    ['only the last line ending goes', 'long-password-1\n\n', 'long-password-1\n'],
    ['spaces are the password’s own', ' long password 1 ', ' long password 1 '],
    ['a mark inside is kept', 'long\uFEFFpassword', 'long\uFEFFpassword'],
  ])('%s', (_, text, expected) => {
    expect(secretFileText(text)).toBe(expected);
  });
});
