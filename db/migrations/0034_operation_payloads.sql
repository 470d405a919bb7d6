CREATE TABLE `operation_payloads` (
	`operation_id` text PRIMARY KEY NOT NULL,
	`plan_json` text NOT NULL,
	`request_json` text NOT NULL,
	FOREIGN KEY (`operation_id`) REFERENCES `operations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- Every existing operation's plan and request move to the side table before their columns go.
INSERT INTO `operation_payloads` (`operation_id`, `plan_json`, `request_json`)
  SELECT `id`, `plan_json`, `request_json` FROM `operations`;--> statement-breakpoint
ALTER TABLE `operations` DROP COLUMN `plan_json`;--> statement-breakpoint
ALTER TABLE `operations` DROP COLUMN `request_json`;