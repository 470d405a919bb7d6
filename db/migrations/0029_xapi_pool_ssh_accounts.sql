ALTER TABLE `xapi_pools` ADD `guest_secret_id` text;--> statement-breakpoint
ALTER TABLE `xapi_pools` ADD `host_ssh_secret_id` text;