import { getProcessDatabase, pingDatabase } from '../../db/process-database';

/**
 * The health answer: ready once the database (SQLite file or PostgreSQL) opens, is migrated, and
 * answers a query (else 503, so a reverse proxy sends no traffic to this node).
 */
export async function healthResponse(): Promise<Response> {
  try {
    await pingDatabase(await getProcessDatabase());
    return Response.json({ ok: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return Response.json({ ok: false, error: message }, { status: 503 });
  }
}
