CREATE TABLE "admission_keys" (
	"operation_id" text NOT NULL,
	"kind" text NOT NULL,
	"ref" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"is_running" boolean DEFAULT false NOT NULL,
	CONSTRAINT "admission_keys_operation_id_kind_ref_pk" PRIMARY KEY("operation_id","kind","ref")
);
--> statement-breakpoint
CREATE TABLE "admission_wakeups" (
	"operation_id" text PRIMARY KEY NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "admission_keys" ADD CONSTRAINT "admission_keys_operation_id_operations_id_fk" FOREIGN KEY ("operation_id") REFERENCES "public"."operations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "admission_wakeups" ADD CONSTRAINT "admission_wakeups_operation_id_operations_id_fk" FOREIGN KEY ("operation_id") REFERENCES "public"."operations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "admission_keys_ref_idx" ON "admission_keys" USING btree ("kind","ref","is_running","created_at","operation_id");--> statement-breakpoint
CREATE INDEX "admission_wakeups_queue_idx" ON "admission_wakeups" USING btree ("created_at","operation_id");--> statement-breakpoint
-- Operations active at the upgrade: their keys from the plan (a running one's locks from its lock rows), all examined anew.
INSERT INTO "admission_keys" ("operation_id", "kind", "ref", "created_at", "is_running")
SELECT o."id", 'lock', j.value, o."created_at", false FROM "operations" o, json_array_elements_text(o."plan_json"->'lockKeys') j
WHERE o."status" IN ('queued', 'waiting')
UNION ALL SELECT l."operation_id", 'lock', l."key", o."created_at", true FROM "locks" l JOIN "operations" o ON o."id" = l."operation_id"
UNION ALL SELECT o."id", 'host', j.value, o."created_at", o."status" IN ('running', 'cancelling') FROM "operations" o, json_array_elements_text(o."plan_json"->'hostIds') j
WHERE o."status" IN ('queued', 'waiting', 'running', 'cancelling')
UNION ALL SELECT o."id", 'array', j.value, o."created_at", o."status" IN ('running', 'cancelling') FROM "operations" o, json_array_elements_text(o."plan_json"->'arrayIds') j
WHERE o."status" IN ('queued', 'waiting', 'running', 'cancelling')
ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO "admission_wakeups" ("operation_id", "created_at")
SELECT "id", "created_at" FROM "operations" WHERE "status" IN ('queued', 'waiting');
