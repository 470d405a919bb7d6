'use client';

import { createContext, useContext } from 'react';
import type { EditedJob } from './wizard-model';

/** The backup wizard creates (a one-off backup or a job), or edits a saved job through the same steps. */
export type BackupWizardMode = { kind: 'create' } | { kind: 'edit'; job: EditedJob };

export const BackupWizardModeContext = createContext<BackupWizardMode>({ kind: 'create' });

export function useBackupWizardMode(): BackupWizardMode {
  return useContext(BackupWizardModeContext);
}
