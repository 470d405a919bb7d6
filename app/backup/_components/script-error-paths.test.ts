/**
 * A guest script's error is found under its VM whatever the VM's id holds: the wizard's resolver
 * stores errors by react-hook-form's splitting of the path, and errorMessageAt reads them back the
 * same way (a VM id with `.`, `[` or `]` once lost its script's error, and its fields' values).
 */
import { zodResolver } from '@hookform/resolvers/zod';
import { describe, expect, it } from 'vitest';
import { errorMessageAt } from '@/app/_components/wizard';
import { BACKUP_STEP_SCHEMAS, type BackupWizardValues, initialBackupValues } from './wizard-model';

const VM_IDS = ['vm-web-01', 'vm.web.01', 'vm[1]', 'host-a.vm[web].01', 'ACME\\vm 01'];

describe.each(VM_IDS)('a script of VM %j', (vmId) => {
  it('shows the error of its empty command under its own fields', async () => {
    const values: BackupWizardValues = initialBackupValues();
    values.request.scope.vmIds = [vmId];
    values.request.scripts = { [vmId]: { preFreeze: { command: '', timeoutSeconds: 0 } } };
    const resolve = zodResolver(BACKUP_STEP_SCHEMAS.policy as never);
    const { errors } = await resolve(values as never, undefined, {
      fields: {},
      shouldUseNativeValidation: false,
    } as never);
    const base = `request.scripts.${vmId}.preFreeze`;
    expect(errorMessageAt(errors, `${base}.command`)).toMatch(/\w/);
    expect(errorMessageAt(errors, `${base}.timeoutSeconds`)).toMatch(/\w/);
    // And nothing under the other hook, which the VM has not set.
    expect(errorMessageAt(errors, `request.scripts.${vmId}.postThaw.command`)).toBeUndefined();
  });
});
