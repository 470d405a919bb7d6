ALTER TABLE `operations` ADD `ending_as` text;--> statement-breakpoint
ALTER TABLE `restore_points` ADD `snapshot_id` text;--> statement-breakpoint
CREATE INDEX `restore_points_snapshot_idx` ON `restore_points` (`snapshot_id`);