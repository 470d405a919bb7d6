ALTER TABLE `operation_steps` ADD `warning` text;--> statement-breakpoint
ALTER TABLE `operations` ADD `warnings_json` text DEFAULT '[]' NOT NULL;