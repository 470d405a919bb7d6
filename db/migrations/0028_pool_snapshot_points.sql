ALTER TABLE `restore_points` ADD `location_kind` text DEFAULT 'repository' NOT NULL;--> statement-breakpoint
ALTER TABLE `restore_points` ADD `location_ref` text;--> statement-breakpoint
ALTER TABLE `restore_points` ADD `location_name` text;--> statement-breakpoint
ALTER TABLE `restore_points` ADD `gone_since` integer;--> statement-breakpoint
ALTER TABLE `restore_points` ADD `gone_reason` text;