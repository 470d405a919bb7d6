ALTER TABLE "host_volumes" ALTER COLUMN "size_bytes" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "host_volumes" ALTER COLUMN "free_bytes" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "virtual_disks" ALTER COLUMN "size_bytes" DROP NOT NULL;