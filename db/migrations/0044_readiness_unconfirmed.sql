-- READINESS gained 'unconfirmed' at position 1: online capture through a Hyper-V writer that rests on
-- guest facts nobody read (server/engine/planner-recommendation.ts isOnlineCaptureUnconfirmed). The
-- assessments it fits are stored 'online-ready': they take it now, from their stored recommended
-- option and findings, as the engine's next assessment would give it, rather than read "Ready" until
-- their host's next sync.
UPDATE `vm_assessments` SET `readiness` = 'unconfirmed'
WHERE `readiness` = 'online-ready'
	AND `capture_state` = 'online'
	AND `recommended_method` IN ('hyperv-vss', 'wsb-volume')
	AND EXISTS (
		SELECT 1 FROM `findings`
		WHERE `findings`.`vm_id` = `vm_assessments`.`vm_id`
			AND (
				`findings`.`rule_id` = 'HV-GUEST-FACTS-UNKNOWN'
				OR (`findings`.`severity` = 'info' AND `findings`.`rule_id` IN ('HV-BACKUP-IC-MISSING', 'HV-GUEST-VSS-DISABLED'))
			)
	);
--> statement-breakpoint
-- Every stored rank is its readiness's position again, so the VM list sorts by readiness as the
-- engine orders it.
UPDATE `vm_assessments` SET `readiness_rank` = CASE `readiness`
	WHEN 'online-ready' THEN 0
	WHEN 'unconfirmed' THEN 1
	WHEN 'saved-state-only' THEN 2
	WHEN 'crash-only' THEN 3
	WHEN 'partial' THEN 4
	WHEN 'blocked' THEN 5
	ELSE `readiness_rank`
END;
