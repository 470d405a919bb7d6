CREATE TABLE `hyperv_connections` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`address` text NOT NULL,
	`port` integer NOT NULL,
	`secret_id` text NOT NULL,
	`guest_secret_id` text,
	`host_id` text,
	`host_key` text,
	`refused_host_key` text,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`last_sync_at` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hyperv_connections_name_unique` ON `hyperv_connections` (`name`);