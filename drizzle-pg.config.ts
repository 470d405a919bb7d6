/** drizzle-kit for the PostgreSQL schema: `npx drizzle-kit generate --config drizzle-pg.config.ts --name <name>`. */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/pg/schema.ts',
  out: './db/migrations-pg',
});
