// The HTTP floor: a bare node:http server on better-sqlite3 serving each list scenario by running
// the very statements the console's procedure ran (captured in process) and writing the rows as
// JSON. No framework, no validation, no session: what serving that page costs at the least.
// Plain JavaScript so it starts without a compiler; loopback only.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import Database from 'better-sqlite3';

const [dbFile, scenariosFile] = process.argv.slice(2);
const scenarios = JSON.parse(readFileSync(scenariosFile, 'utf8'));
const db = new Database(dbFile, { readonly: true, fileMustExist: true });
const prepared = scenarios.map((statements) =>
  statements.map(({ sql, params }) => ({ statement: db.prepare(sql), params })),
);

const server = http.createServer((request, response) => {
  const index = Number(request.url?.slice(1));
  const statements = prepared[index];
  if (!statements) {
    response.writeHead(404).end();
    return;
  }
  const results = statements.map(({ statement, params }) => statement.all(...params));
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(results));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
