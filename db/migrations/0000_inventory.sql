CREATE TABLE `array_volumes` (
	`id` text PRIMARY KEY NOT NULL,
	`array_id` text NOT NULL,
	`name` text NOT NULL,
	`supports_snapshots` integer NOT NULL,
	`consistency_group_id` text,
	FOREIGN KEY (`array_id`) REFERENCES `storage_arrays`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`consistency_group_id`) REFERENCES `consistency_groups`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `array_volumes_array_name_idx` ON `array_volumes` (`array_id`,`name`);--> statement-breakpoint
CREATE INDEX `array_volumes_consistency_group_idx` ON `array_volumes` (`consistency_group_id`);--> statement-breakpoint
CREATE INDEX `array_volumes_name_idx` ON `array_volumes` (`name`);--> statement-breakpoint
CREATE TABLE `consistency_groups` (
	`id` text PRIMARY KEY NOT NULL,
	`array_id` text NOT NULL,
	`name` text NOT NULL,
	FOREIGN KEY (`array_id`) REFERENCES `storage_arrays`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `consistency_groups_array_idx` ON `consistency_groups` (`array_id`);--> statement-breakpoint
CREATE TABLE `findings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`vm_id` text,
	`host_id` text,
	`rule_id` text NOT NULL,
	`severity` text NOT NULL,
	`severity_rank` integer NOT NULL,
	`message` text NOT NULL,
	`remedy` text NOT NULL,
	`methods_json` text NOT NULL,
	`objects_json` text NOT NULL,
	FOREIGN KEY (`vm_id`) REFERENCES `vms`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `findings_vm_severity_idx` ON `findings` (`vm_id`,`severity_rank`);--> statement-breakpoint
CREATE INDEX `findings_host_severity_idx` ON `findings` (`host_id`,`severity_rank`);--> statement-breakpoint
CREATE INDEX `findings_rule_vm_idx` ON `findings` (`rule_id`,`vm_id`);--> statement-breakpoint
CREATE INDEX `findings_severity_vm_idx` ON `findings` (`severity`,`vm_id`);--> statement-breakpoint
CREATE TABLE `guest_volumes` (
	`id` text PRIMARY KEY NOT NULL,
	`vm_id` text NOT NULL,
	`mount_point` text NOT NULL,
	`file_system` text NOT NULL,
	`disk_type` text NOT NULL,
	`vss_enabled` integer NOT NULL,
	`shadow_storage_on` text,
	`disk_id` text,
	FOREIGN KEY (`vm_id`) REFERENCES `vms`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`disk_id`) REFERENCES `virtual_disks`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `guest_volumes_vm_idx` ON `guest_volumes` (`vm_id`);--> statement-breakpoint
CREATE INDEX `guest_volumes_disk_idx` ON `guest_volumes` (`disk_id`);--> statement-breakpoint
CREATE TABLE `host_volumes` (
	`id` text PRIMARY KEY NOT NULL,
	`host_id` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`free_bytes` integer NOT NULL,
	`vss_enabled` integer NOT NULL,
	`shadow_storage_volume_id` text,
	`shadow_storage_limit_bytes` integer,
	`array_volume_id` text,
	FOREIGN KEY (`host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`shadow_storage_volume_id`) REFERENCES `host_volumes`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`array_volume_id`) REFERENCES `array_volumes`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `host_volumes_host_name_idx` ON `host_volumes` (`host_id`,`name`);--> statement-breakpoint
CREATE INDEX `host_volumes_name_idx` ON `host_volumes` (`name`);--> statement-breakpoint
CREATE INDEX `host_volumes_array_volume_idx` ON `host_volumes` (`array_volume_id`);--> statement-breakpoint
CREATE INDEX `host_volumes_shadow_storage_idx` ON `host_volumes` (`shadow_storage_volume_id`);--> statement-breakpoint
CREATE TABLE `hosts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`version` text NOT NULL,
	`pool` text,
	`has_vss_aware_product` integer NOT NULL,
	`offers_quiesced_snapshots` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `hosts_name_idx` ON `hosts` (`name`);--> statement-breakpoint
CREATE INDEX `hosts_kind_name_idx` ON `hosts` (`kind`,`name`);--> statement-breakpoint
CREATE TABLE `storage_arrays` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`vendor` text NOT NULL,
	`supports_snapshots` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `storage_arrays_name_idx` ON `storage_arrays` (`name`);--> statement-breakpoint
CREATE INDEX `storage_arrays_vendor_idx` ON `storage_arrays` (`vendor`);--> statement-breakpoint
CREATE TABLE `virtual_disks` (
	`id` text PRIMARY KEY NOT NULL,
	`vm_id` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`host_volume_id` text,
	`array_volume_id` text,
	FOREIGN KEY (`vm_id`) REFERENCES `vms`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`host_volume_id`) REFERENCES `host_volumes`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`array_volume_id`) REFERENCES `array_volumes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `virtual_disks_vm_idx` ON `virtual_disks` (`vm_id`);--> statement-breakpoint
CREATE INDEX `virtual_disks_host_volume_vm_idx` ON `virtual_disks` (`host_volume_id`,`vm_id`);--> statement-breakpoint
CREATE INDEX `virtual_disks_array_volume_vm_idx` ON `virtual_disks` (`array_volume_id`,`vm_id`);--> statement-breakpoint
CREATE TABLE `vm_assessments` (
	`vm_id` text PRIMARY KEY NOT NULL,
	`readiness` text NOT NULL,
	`readiness_rank` integer NOT NULL,
	`recommended_method` text,
	`consistency` text,
	`capture_state` text,
	`blocker_count` integer NOT NULL,
	`warning_count` integer NOT NULL,
	`info_count` integer NOT NULL,
	`finding_weight` integer NOT NULL,
	`plan_json` text NOT NULL,
	FOREIGN KEY (`vm_id`) REFERENCES `vms`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `vm_assessments_readiness_idx` ON `vm_assessments` (`readiness`);--> statement-breakpoint
CREATE INDEX `vm_assessments_readiness_rank_idx` ON `vm_assessments` (`readiness_rank`,`vm_id`);--> statement-breakpoint
CREATE INDEX `vm_assessments_finding_weight_idx` ON `vm_assessments` (`finding_weight`,`vm_id`);--> statement-breakpoint
CREATE TABLE `vms` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`host_id` text NOT NULL,
	`os_family` text NOT NULL,
	`power_state` text NOT NULL,
	`applications` text NOT NULL,
	`backup_integration_service` text,
	`has_xen_vss_provider` integer NOT NULL,
	`snapshot_location_volume_id` text,
	`has_freeze_scripts` integer NOT NULL,
	`daily_change_bytes` integer NOT NULL,
	`tags` text NOT NULL,
	FOREIGN KEY (`host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`snapshot_location_volume_id`) REFERENCES `host_volumes`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `vms_name_idx` ON `vms` (`name`);--> statement-breakpoint
CREATE INDEX `vms_host_name_idx` ON `vms` (`host_id`,`name`);--> statement-breakpoint
CREATE INDEX `vms_os_family_name_idx` ON `vms` (`os_family`,`name`);--> statement-breakpoint
CREATE INDEX `vms_power_state_name_idx` ON `vms` (`power_state`,`name`);--> statement-breakpoint
CREATE INDEX `vms_snapshot_location_idx` ON `vms` (`snapshot_location_volume_id`);