CREATE TABLE `removed_vm_names` (
	`vm_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
-- Written by a trigger inside the deleting statement, so every deletion of a VM leaves its name: an
-- import's replace, and the cascade from a deleted host, without their writers knowing the table.
CREATE TRIGGER `vms_removed_name` AFTER DELETE ON `vms`
BEGIN
  INSERT OR REPLACE INTO `removed_vm_names` (`vm_id`, `name`) VALUES (old.`id`, old.`name`);
END;
