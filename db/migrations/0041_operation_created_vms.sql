CREATE TABLE `operation_created_vms` (
	`vm_id` text PRIMARY KEY NOT NULL,
	`recorded_at` integer NOT NULL,
	FOREIGN KEY (`vm_id`) REFERENCES `vms`(`id`) ON UPDATE no action ON DELETE cascade
);
