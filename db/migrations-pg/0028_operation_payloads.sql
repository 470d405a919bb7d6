CREATE TABLE "operation_payloads" (
	"operation_id" text PRIMARY KEY NOT NULL,
	"plan_json" json NOT NULL,
	"request_json" json NOT NULL
);
--> statement-breakpoint
ALTER TABLE "operation_payloads" ADD CONSTRAINT "operation_payloads_operation_id_operations_id_fk" FOREIGN KEY ("operation_id") REFERENCES "public"."operations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Every existing operation's plan and request move to the side table before their columns go.
INSERT INTO "operation_payloads" ("operation_id", "plan_json", "request_json")
  SELECT "id", "plan_json", "request_json" FROM "operations";--> statement-breakpoint
ALTER TABLE "operations" DROP COLUMN "plan_json";--> statement-breakpoint
ALTER TABLE "operations" DROP COLUMN "request_json";