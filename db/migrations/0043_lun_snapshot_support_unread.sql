PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_array_volumes` (
	`id` text PRIMARY KEY NOT NULL,
	`array_id` text NOT NULL,
	`name` text NOT NULL,
	`supports_snapshots` integer,
	`consistency_group_id` text,
	`naa_id` text,
	FOREIGN KEY (`array_id`) REFERENCES `storage_arrays`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`consistency_group_id`) REFERENCES `consistency_groups`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
INSERT INTO `__new_array_volumes`("id", "array_id", "name", "supports_snapshots", "consistency_group_id", "naa_id") SELECT "id", "array_id", "name", "supports_snapshots", "consistency_group_id", "naa_id" FROM `array_volumes`;--> statement-breakpoint
DROP TABLE `array_volumes`;--> statement-breakpoint
ALTER TABLE `__new_array_volumes` RENAME TO `array_volumes`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `array_volumes_array_name_idx` ON `array_volumes` (`array_id`,`name`);--> statement-breakpoint
CREATE INDEX `array_volumes_consistency_group_idx` ON `array_volumes` (`consistency_group_id`);--> statement-breakpoint
CREATE INDEX `array_volumes_name_idx` ON `array_volumes` (`name`);