ALTER TABLE "array_volumes" ADD COLUMN "naa_id" text;--> statement-breakpoint
ALTER TABLE "host_volumes" ADD COLUMN "device_id" text;