CREATE TABLE `xapi_pools` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`address` text NOT NULL,
	`secret_id` text NOT NULL,
	`pins` text NOT NULL,
	`refused` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`last_sync_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `xapi_pools_name_unique` ON `xapi_pools` (`name`);--> statement-breakpoint
CREATE TABLE `xapi_tasks` (
	`pool_id` text NOT NULL,
	`key` text NOT NULL,
	`task_ref` text NOT NULL,
	`recorded_at` integer NOT NULL,
	PRIMARY KEY(`pool_id`, `key`),
	FOREIGN KEY (`pool_id`) REFERENCES `xapi_pools`(`id`) ON UPDATE no action ON DELETE cascade
);
