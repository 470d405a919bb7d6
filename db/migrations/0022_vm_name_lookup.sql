CREATE INDEX `vms_lower_name_idx` ON `vms` (lower("name"));--> statement-breakpoint
CREATE INDEX `vms_non_ascii_name_idx` ON `vms` (`id`) WHERE "vms"."name" glob '*[^ -~]*';