CREATE TABLE "xapi_pools" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"address" text NOT NULL,
	"secret_id" text NOT NULL,
	"pins" json NOT NULL,
	"refused" json NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"created_by" text NOT NULL,
	"last_sync_at" timestamp (3) with time zone,
	"last_error" text,
	CONSTRAINT "xapi_pools_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "xapi_tasks" (
	"pool_id" text NOT NULL,
	"key" text NOT NULL,
	"task_ref" text NOT NULL,
	"recorded_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "xapi_tasks_pool_id_key_pk" PRIMARY KEY("pool_id","key")
);
--> statement-breakpoint
ALTER TABLE "xapi_tasks" ADD CONSTRAINT "xapi_tasks_pool_id_xapi_pools_id_fk" FOREIGN KEY ("pool_id") REFERENCES "public"."xapi_pools"("id") ON DELETE cascade ON UPDATE no action;