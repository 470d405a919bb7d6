CREATE INDEX "vms_lower_name_idx" ON "vms" USING btree (lower("name"));--> statement-breakpoint
CREATE INDEX "vms_non_ascii_name_idx" ON "vms" USING btree ("id") WHERE "vms"."name" ~ '[^ -~]';