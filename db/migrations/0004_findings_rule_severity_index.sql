DROP INDEX `findings_rule_vm_idx`;--> statement-breakpoint
CREATE INDEX `findings_rule_severity_vm_idx` ON `findings` (`rule_id`,`severity`,`vm_id`);