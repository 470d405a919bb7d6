ALTER TABLE "vms" ADD COLUMN "suspend_sr_volume_id" text;--> statement-breakpoint
ALTER TABLE "vms" ADD COLUMN "memory_bytes" bigint;