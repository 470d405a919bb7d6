import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { listOf, psDate } from '../hyperv-records';
import { convertToJson, PsDate, pipelineValue } from './ps-json';

describe('the fake host writes JSON as Windows PowerShell 5.1 does', () => {
  it('writes dates as \\/Date(ms)\\/ and the client reads them back', () => {
    const text = convertToJson({ CreationTime: new PsDate(new Date('2026-11-24T02:00:05Z')) });
    expect(text).toBe('{"CreationTime":"\\/Date(1795485605000)\\/"}');
    expect(psDate.parse(JSON.parse(text).CreationTime)).toEqual(new Date('2026-11-24T02:00:05Z'));
  });

  it('assigns a pipeline of one as the object itself and of none as null', () => {
    expect(pipelineValue([])).toBeNull();
    expect(pipelineValue([{ Name: 'sql01' }])).toEqual({ Name: 'sql01' });
    const names = listOf(z.object({ Name: z.string() }));
    expect(names.parse(null)).toEqual([]);
    expect(names.parse({ Name: 'sql01' })).toEqual([{ Name: 'sql01' }]);
  });

  it("escapes <, >, ' and & as the JavaScriptSerializer does", () => {
    expect(convertToJson({ Path: "a<b>'&" })).toBe('{"Path":"a\\u003cb\\u003e\\u0027\\u0026"}');
  });

  it('replaces what lies deeper than -Depth by its ToString()', () => {
    const text = convertToJson({ a: { b: { c: { d: 1 }, list: [1, 2] } } }, 2);
    expect(JSON.parse(text)).toEqual({ a: { b: { c: '@{d=1}', list: 'System.Object[]' } } });
  });
});
