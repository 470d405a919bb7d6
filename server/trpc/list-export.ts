/**
 * GET /api/export/<list>?query=<JSON> — a list as CSV with the filters and order the page shows:
 * `query` is the list's own query input (what the page sends to `<list>.list`), validated by the
 * same schema. Anyone who may read the list (a viewer) may export it; a bad query gets 400 naming
 * each field, an unknown list 404.
 */
import {
  EXPORTABLE_LISTS,
  exportFileName,
  exportQuerySchema,
  isExportableList,
  listCsv,
} from '../services/list-export';
import { csvDownload, invalidRequest } from './csv-response';
import { type Context, fieldErrorsOf } from './init';

export function listCsvResponse(request: Request, ctx: Context, list: string): Response {
  if (!ctx.principal) return new Response('Sign in to use the console\n', { status: 401 });
  if (!isExportableList(list)) {
    return new Response(
      `No list called "${list}" can be exported (lists: ${EXPORTABLE_LISTS.join(', ')})\n`,
      {
        status: 404,
      },
    );
  }
  const text = new URL(request.url).searchParams.get('query') ?? '{}';
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return invalidRequest('Invalid query', [{ path: 'query', message: 'is not JSON' }]);
  }
  const parsed = exportQuerySchema(list).safeParse(raw);
  if (!parsed.success) return invalidRequest('Invalid query', fieldErrorsOf(parsed.error));
  return csvDownload(
    listCsv(ctx.stores, ctx.service, list, parsed.data as object),
    exportFileName(list, ctx.service.now()),
  );
}
