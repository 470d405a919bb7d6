import { sql } from 'drizzle-orm';
import { getDb } from '../../db/client';

/** The health answer: ready once the database opens, is migrated, and answers a query (else 503). */
export function healthResponse(): Response {
  try {
    getDb().get(sql`select 1`);
    return Response.json({ ok: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return Response.json({ ok: false, error: message }, { status: 503 });
  }
}
