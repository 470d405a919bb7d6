ALTER TABLE `array_volumes` ADD `naa_id` text;--> statement-breakpoint
ALTER TABLE `host_volumes` ADD `device_id` text;