ALTER TABLE `host_volumes` ADD `storage_type` text;--> statement-breakpoint
ALTER TABLE `host_volumes` ADD `is_shared` integer;--> statement-breakpoint
ALTER TABLE `host_volumes` ADD `can_snapshot` integer;