CREATE TABLE `array_connections` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`vendor` text NOT NULL,
	`address` text NOT NULL,
	`secret_id` text NOT NULL,
	`staging_target` text,
	`array_id` text,
	`fingerprint` text,
	`refused_fingerprint` text,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`last_sync_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `array_connections_name_unique` ON `array_connections` (`name`);--> statement-breakpoint
CREATE TABLE `array_jobs` (
	`connection_id` text NOT NULL,
	`key` text NOT NULL,
	`job_uuid` text NOT NULL,
	`started_at` integer NOT NULL,
	PRIMARY KEY(`connection_id`, `key`),
	FOREIGN KEY (`connection_id`) REFERENCES `array_connections`(`id`) ON UPDATE no action ON DELETE cascade
);
