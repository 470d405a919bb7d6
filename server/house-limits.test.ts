/**
 * The house's size limits (issue 7 §4): no source file over 500 lines, no function in server/ over
 * 120. A file or function past them is split along a real seam (a stage, a section, a role), never
 * wrapped to fit. Test code is not measured: suites, contract suites, the runner's harness and test
 * fixtures are long lists of cases by nature.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const MAX_FILE_LINES = 500;
const MAX_FUNCTION_LINES = 120;

const isTestCode = (file: string) =>
  /\.test\.tsx?$|\.contract\.ts$|fixture|test-harness\.ts$|test-support\.ts$|test-rows\.ts$/.test(file);

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.tsx?$/.test(file) && !file.includes('node_modules'))
    .map((file) => path.join(folder, file))
    .filter((file) => !isTestCode(file));
}

function lineCount(file: string): number {
  return readFileSync(path.join(ROOT, file), 'utf8').split('\n').length - 1;
}

/** Every function, method and arrow of the file longer than `max` lines, as "file:line (n lines)". */
function longFunctions(file: string, max: number): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (last - first + 1 > max) found.push(`${file}:${first + 1} (${last - first + 1} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('size limits', () => {
  it.each(['app', 'server', 'db', 'scripts'])(
    `no source file in %s/ is over ${MAX_FILE_LINES} lines`,
    (folder) => {
      const tooLong = sourceFiles(folder)
        .map((file) => ({ file, lines: lineCount(file) }))
        .filter(({ lines }) => lines > MAX_FILE_LINES)
        .map(({ file, lines }) => `${file} (${lines} lines)`);
      expect(tooLong).toEqual([]);
    },
  );

  it(`no function in server/ is over ${MAX_FUNCTION_LINES} lines`, () => {
    expect(sourceFiles('server').flatMap((file) => longFunctions(file, MAX_FUNCTION_LINES))).toEqual([]);
  });
});
