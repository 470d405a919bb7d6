import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, openDatabase, sqliteOf } from '../../db/client';
import { createServiceContext } from '../context';
import { recordAudit } from '../services/audit-service';
import { principalOf, signedIn } from '../test-support';
import { auditCsvResponse } from './audit-export';
import { contextFor } from './init';

let db: Db;
beforeEach(async () => {
  db = openDatabase(':memory:');
  const ctx = contextFor(db);
  let n = 0;
  const service = createServiceContext({
    now: () => new Date(Date.UTC(2026, 2, 1, 8, n)),
    newId: () => `e${++n}`,
  });
  await recordAudit(ctx.stores, service, {
    action: 'jobs.create',
    outcome: 'succeeded',
    input: { name: 'Nightly' },
  });
  await recordAudit(ctx.stores, service, {
    action: 'jobs.delete',
    outcome: 'refused',
    message: 'Backup job "=cmd|x" does not exist',
    objects: [{ kind: 'job', id: 'j9', name: null }],
  });
  await recordAudit(ctx.stores, service, { action: 'secrets.create', outcome: 'succeeded' });
});
afterEach(() => sqliteOf(db).close());

async function exportOf(query: string) {
  const response = auditCsvResponse(new Request(`http://localhost/api/audit/export${query}`), signedIn(db));
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('the audit CSV export', () => {
  it('streams every entry newest first, one quoted line each', async () => {
    const { status, headers, text } = await exportOf('');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(headers.get('content-disposition')).toMatch(
      /^attachment; filename="migawka-audit-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'seq,time,actor,actor name,role,action,objects,outcome,message,ip,user agent,input,hash',
    );
    expect(lines.slice(1).map((line) => line.split(',')[5])).toEqual([
      '"secrets.create"',
      '"jobs.delete"',
      '"jobs.create"',
    ]);
    expect(lines[3]).toContain('"{""name"":""Nightly""}"');
  });

  it('applies the page filters, times included', async () => {
    const refused = await exportOf('?outcome=refused&action=jobs');
    const lines = refused.text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('"job j9"');
    // A message starting like a formula stays text in a spreadsheet.
    expect(lines[1]).toContain('"Backup job ""=cmd|x"" does not exist"');
    const window = await exportOf('?from=2026-03-01T08:01:00Z&to=2026-03-01T08:02:00Z');
    expect(window.text.trimEnd().split('\r\n')).toHaveLength(2);
  });

  it('refuses a bad filter with 400 naming each field', async () => {
    const { status, text } = await exportOf('?outcome=maybe&from=yesterday');
    expect(status).toBe(400);
    expect(text).toContain('outcome: The outcome is one of: succeeded, refused, failed');
    expect(text).toContain('from: Enter the start as a date and time');
  });
});

describe('who may export', () => {
  it('answers 401 anonymously and 403 below admin', async () => {
    const request = () => new Request('http://localhost/api/audit/export');
    expect(auditCsvResponse(request(), contextFor(db)).status).toBe(401);
    expect(auditCsvResponse(request(), contextFor(db, {}, principalOf('restore-operator'))).status).toBe(403);
    expect(auditCsvResponse(request(), signedIn(db)).status).toBe(200);
  });
});
