/**
 * What a password or key file holds, as the operator typed it: without the byte-order mark an
 * editor such as Notepad writes at its start, and without the one line ending an editor adds at its
 * end (LF or CRLF). Left in, either would become part of the password, and a sign-in with the
 * typed password would then fail with no hint why.
 */
export function secretFileText(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r?\n$/, '');
}
