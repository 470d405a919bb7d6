-- READINESS gained 'unconfirmed' at position 1 (online on guest facts nobody read): every stored
-- rank is its readiness's position again, so the VM list sorts by readiness as the engine orders it.
-- The assessments it fits are stored 'online-ready' until their host's next sync re-assesses them.
UPDATE "vm_assessments" SET "readiness_rank" = CASE "readiness"
	WHEN 'online-ready' THEN 0
	WHEN 'unconfirmed' THEN 1
	WHEN 'saved-state-only' THEN 2
	WHEN 'crash-only' THEN 3
	WHEN 'partial' THEN 4
	WHEN 'blocked' THEN 5
	ELSE "readiness_rank"
END;
