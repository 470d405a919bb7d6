-- Names unique regardless of case, held by the database: \`name_key\` is nameKeyOf(name)
-- (server/engine/name-keys.ts: NFC, then lower case with Unicode's rules). SQL cannot compute it on
-- SQLite (lower() folds ASCII only), so this migration leaves it null (a unique index holds any
-- number of nulls) and the name-key step (db/name-keys-step.ts), which runs right after the
-- migrations and before any store is used, writes it for every row, renaming the later of names
-- that differ only in case ("pool-a (2)") and recording each rename in the audit trail.
ALTER TABLE "array_connections" DROP CONSTRAINT "array_connections_name_unique";--> statement-breakpoint
ALTER TABLE "hyperv_connections" DROP CONSTRAINT "hyperv_connections_name_unique";--> statement-breakpoint
ALTER TABLE "secrets" DROP CONSTRAINT "secrets_name_unique";--> statement-breakpoint
ALTER TABLE "xapi_pools" DROP CONSTRAINT "xapi_pools_name_unique";--> statement-breakpoint
ALTER TABLE "array_connections" ADD COLUMN "name_key" text;--> statement-breakpoint
ALTER TABLE "hyperv_connections" ADD COLUMN "name_key" text;--> statement-breakpoint
ALTER TABLE "backup_jobs" ADD COLUMN "name_key" text;--> statement-breakpoint
ALTER TABLE "secrets" ADD COLUMN "name_key" text;--> statement-breakpoint
ALTER TABLE "xapi_pools" ADD COLUMN "name_key" text;--> statement-breakpoint
ALTER TABLE "array_connections" ADD CONSTRAINT "array_connections_name_key_unique" UNIQUE("name_key");--> statement-breakpoint
ALTER TABLE "hyperv_connections" ADD CONSTRAINT "hyperv_connections_name_key_unique" UNIQUE("name_key");--> statement-breakpoint
ALTER TABLE "backup_jobs" ADD CONSTRAINT "backup_jobs_name_key_unique" UNIQUE("name_key");--> statement-breakpoint
ALTER TABLE "secrets" ADD CONSTRAINT "secrets_name_key_unique" UNIQUE("name_key");--> statement-breakpoint
ALTER TABLE "xapi_pools" ADD CONSTRAINT "xapi_pools_name_key_unique" UNIQUE("name_key");