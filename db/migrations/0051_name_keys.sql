-- Names unique regardless of case, held by the database: \`name_key\` is nameKeyOf(name)
-- (server/engine/name-keys.ts: NFC, then lower case with Unicode's rules). SQL cannot compute it on
-- SQLite (lower() folds ASCII only), so this migration leaves it null (a unique index holds any
-- number of nulls) and the name-key step (db/name-keys-step.ts), which runs right after the
-- migrations and before any store is used, writes it for every row, renaming the later of names
-- that differ only in case ("pool-a (2)") and recording each rename in the audit trail.
DROP INDEX `array_connections_name_unique`;--> statement-breakpoint
ALTER TABLE `array_connections` ADD `name_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `array_connections_name_key_unique` ON `array_connections` (`name_key`);--> statement-breakpoint
DROP INDEX `hyperv_connections_name_unique`;--> statement-breakpoint
ALTER TABLE `hyperv_connections` ADD `name_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `hyperv_connections_name_key_unique` ON `hyperv_connections` (`name_key`);--> statement-breakpoint
DROP INDEX `secrets_name_unique`;--> statement-breakpoint
ALTER TABLE `secrets` ADD `name_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `secrets_name_key_unique` ON `secrets` (`name_key`);--> statement-breakpoint
DROP INDEX `xapi_pools_name_unique`;--> statement-breakpoint
ALTER TABLE `xapi_pools` ADD `name_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `xapi_pools_name_key_unique` ON `xapi_pools` (`name_key`);--> statement-breakpoint
ALTER TABLE `backup_jobs` ADD `name_key` text;--> statement-breakpoint
CREATE UNIQUE INDEX `backup_jobs_name_key_unique` ON `backup_jobs` (`name_key`);