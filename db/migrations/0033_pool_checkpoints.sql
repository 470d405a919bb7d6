ALTER TABLE `restore_points` ADD `includes_memory` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `restore_points` ADD `location_note` text;