ALTER TABLE "xapi_pools" ADD COLUMN "guest_secret_id" text;--> statement-breakpoint
ALTER TABLE "xapi_pools" ADD COLUMN "host_ssh_secret_id" text;