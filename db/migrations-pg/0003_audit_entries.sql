CREATE TABLE "audit_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" integer NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"actor_label" text NOT NULL,
	"actor_name" text NOT NULL,
	"actor_role" text,
	"action" text NOT NULL,
	"objects_json" json NOT NULL,
	"input_json" json,
	"outcome" text NOT NULL,
	"message" text,
	"ip" text,
	"user_agent" text,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_entries_seq_unique" UNIQUE("seq")
);
--> statement-breakpoint
CREATE INDEX "audit_entries_actor_seq_idx" ON "audit_entries" USING btree ("actor_label","seq");--> statement-breakpoint
CREATE INDEX "audit_entries_action_seq_idx" ON "audit_entries" USING btree ("action","seq");--> statement-breakpoint
CREATE INDEX "audit_entries_outcome_seq_idx" ON "audit_entries" USING btree ("outcome","seq");--> statement-breakpoint
CREATE INDEX "audit_entries_at_idx" ON "audit_entries" USING btree ("at");--> statement-breakpoint
-- Append-only, written by hand: the console never updates or deletes an audit entry. Someone who
-- can drop these triggers can edit rows; the hash chain is what catches that (migawka audit verify).
CREATE FUNCTION "migawka_audit_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit entries are append-only';
END;
$$;--> statement-breakpoint
CREATE TRIGGER "audit_entries_no_update" BEFORE UPDATE OR DELETE ON "audit_entries"
FOR EACH ROW EXECUTE FUNCTION "migawka_audit_append_only"();
