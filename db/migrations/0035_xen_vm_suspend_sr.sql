ALTER TABLE `vms` ADD `suspend_sr_volume_id` text;--> statement-breakpoint
ALTER TABLE `vms` ADD `memory_bytes` integer;