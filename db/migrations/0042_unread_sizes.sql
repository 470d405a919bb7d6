PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_host_volumes` (
	`id` text PRIMARY KEY NOT NULL,
	`host_id` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`size_bytes` integer,
	`free_bytes` integer,
	`vss_enabled` integer NOT NULL,
	`shadow_storage_volume_id` text,
	`shadow_storage_limit_bytes` integer,
	`array_volume_id` text,
	`device_id` text,
	`storage_type` text,
	`is_shared` integer,
	`can_snapshot` integer,
	FOREIGN KEY (`host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`shadow_storage_volume_id`) REFERENCES `host_volumes`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`array_volume_id`) REFERENCES `array_volumes`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
INSERT INTO `__new_host_volumes`("id", "host_id", "name", "kind", "size_bytes", "free_bytes", "vss_enabled", "shadow_storage_volume_id", "shadow_storage_limit_bytes", "array_volume_id", "device_id", "storage_type", "is_shared", "can_snapshot") SELECT "id", "host_id", "name", "kind", "size_bytes", "free_bytes", "vss_enabled", "shadow_storage_volume_id", "shadow_storage_limit_bytes", "array_volume_id", "device_id", "storage_type", "is_shared", "can_snapshot" FROM `host_volumes`;--> statement-breakpoint
DROP TABLE `host_volumes`;--> statement-breakpoint
ALTER TABLE `__new_host_volumes` RENAME TO `host_volumes`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `host_volumes_host_name_idx` ON `host_volumes` (`host_id`,`name`);--> statement-breakpoint
CREATE INDEX `host_volumes_name_idx` ON `host_volumes` (`name`);--> statement-breakpoint
CREATE INDEX `host_volumes_array_volume_idx` ON `host_volumes` (`array_volume_id`);--> statement-breakpoint
CREATE INDEX `host_volumes_shadow_storage_idx` ON `host_volumes` (`shadow_storage_volume_id`);--> statement-breakpoint
CREATE TABLE `__new_virtual_disks` (
	`id` text PRIMARY KEY NOT NULL,
	`vm_id` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`size_bytes` integer,
	`host_volume_id` text,
	`array_volume_id` text,
	`storage_format` text,
	FOREIGN KEY (`vm_id`) REFERENCES `vms`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`host_volume_id`) REFERENCES `host_volumes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`array_volume_id`) REFERENCES `array_volumes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_virtual_disks`("id", "vm_id", "name", "kind", "size_bytes", "host_volume_id", "array_volume_id", "storage_format") SELECT "id", "vm_id", "name", "kind", "size_bytes", "host_volume_id", "array_volume_id", "storage_format" FROM `virtual_disks`;--> statement-breakpoint
DROP TABLE `virtual_disks`;--> statement-breakpoint
ALTER TABLE `__new_virtual_disks` RENAME TO `virtual_disks`;--> statement-breakpoint
CREATE INDEX `virtual_disks_vm_idx` ON `virtual_disks` (`vm_id`);--> statement-breakpoint
CREATE INDEX `virtual_disks_host_volume_vm_idx` ON `virtual_disks` (`host_volume_id`,`vm_id`);--> statement-breakpoint
CREATE INDEX `virtual_disks_array_volume_vm_idx` ON `virtual_disks` (`array_volume_id`,`vm_id`);