CREATE TABLE "operation_created_vms" (
	"vm_id" text PRIMARY KEY NOT NULL,
	"recorded_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "operation_created_vms" ADD CONSTRAINT "operation_created_vms_vm_id_vms_id_fk" FOREIGN KEY ("vm_id") REFERENCES "public"."vms"("id") ON DELETE cascade ON UPDATE no action;