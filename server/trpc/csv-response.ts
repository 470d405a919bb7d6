/** A CSV download streamed a line at a time from a generator (big lists never sit in memory). */
export function csvDownload(lines: AsyncGenerator<string>, fileName: string): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await lines.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${fileName}"`,
      'cache-control': 'no-store',
    },
  });
}

/** 400 naming each field of the request that is wrong. */
export function invalidRequest(title: string, fields: { path: string; message: string }[]): Response {
  const lines = fields.map((field) => (field.path ? `${field.path}: ${field.message}` : field.message));
  return new Response(`${title}:\n${lines.join('\n')}\n`, {
    status: 400,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}
