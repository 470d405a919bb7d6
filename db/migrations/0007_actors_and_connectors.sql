CREATE TABLE `inventory_imports` (
	`id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	`requested_by` text NOT NULL,
	`mode` text NOT NULL,
	`counts_json` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `inventory_imports_created_idx` ON `inventory_imports` (`created_at`);--> statement-breakpoint
ALTER TABLE `hosts` ADD `connector` text DEFAULT 'lab' NOT NULL;--> statement-breakpoint
ALTER TABLE `storage_arrays` ADD `connector` text DEFAULT 'lab' NOT NULL;--> statement-breakpoint
ALTER TABLE `backup_jobs` ADD `created_by` text DEFAULT 'system' NOT NULL;--> statement-breakpoint
ALTER TABLE `backup_jobs` ADD `updated_by` text DEFAULT 'system' NOT NULL;--> statement-breakpoint
ALTER TABLE `operations` ADD `requested_by` text DEFAULT 'system' NOT NULL;--> statement-breakpoint
ALTER TABLE `operations` ADD `cancelled_by` text;--> statement-breakpoint
ALTER TABLE `point_verifications` ADD `requested_by` text DEFAULT 'system' NOT NULL;