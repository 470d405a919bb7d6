PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_backup_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`request_json` text NOT NULL,
	`cron` text,
	`time_zone` text NOT NULL,
	`missed_run_policy` text NOT NULL,
	`retention_json` text NOT NULL,
	`rpo_hours` real NOT NULL,
	`is_enabled` integer NOT NULL,
	`last_scheduled_at` integer,
	`next_run_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_backup_jobs`("id", "name", "request_json", "cron", "time_zone", "missed_run_policy", "retention_json", "rpo_hours", "is_enabled", "last_scheduled_at", "next_run_at", "created_at", "updated_at") SELECT "id", "name", "request_json", "cron", "time_zone", "missed_run_policy", "retention_json", "rpo_hours", "is_enabled", "last_scheduled_at", "next_run_at", "created_at", "updated_at" FROM `backup_jobs`;--> statement-breakpoint
DROP TABLE `backup_jobs`;--> statement-breakpoint
ALTER TABLE `__new_backup_jobs` RENAME TO `backup_jobs`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `backup_jobs_name_idx` ON `backup_jobs` (`name`);--> statement-breakpoint
CREATE INDEX `backup_jobs_due_idx` ON `backup_jobs` (`is_enabled`,`next_run_at`);