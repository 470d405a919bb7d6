'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { FormProvider, type Resolver, useForm } from 'react-hook-form';
import { PageHeader } from '@/app/_components/page-header';
import { LoadingState } from '@/app/_components/query-state';
import { WizardProgress } from '@/app/_components/wizard';
import { MethodStep } from './method-step';
import { PolicyStep } from './policy-step';
import { ReviewStep } from './review-step';
import { ScheduleStep } from './schedule-step';
import { ScopeStep } from './scope-step';
import { useVmLabels } from './use-vm-labels';
import { BackupWizardModeContext } from './wizard-mode';
import {
  BACKUP_STEP_SCHEMAS,
  BACKUP_STEPS,
  BACKUP_WIZARD_STORAGE_KEY,
  type BackupStepKey,
  type BackupWizardValues,
  type EditedJob,
  editStorageKeyOf,
  firstInvalidStep,
  initialBackupValues,
  isBackupStep,
  valuesOfJob,
} from './wizard-model';

function readSaved(key: string, base: BackupWizardValues): BackupWizardValues | null {
  try {
    const text = window.sessionStorage.getItem(key);
    return text ? { ...base, ...(JSON.parse(text) as BackupWizardValues) } : null;
  } catch {
    return null;
  }
}

/**
 * Backup wizard. The step lives in the URL (`?step=`), the half-filled form in sessionStorage,
 * so back/forward and a reload keep it; a deep link past an unfinished step lands on that step.
 * Given a saved job (`edit`), the same steps start from its settings and the review saves it.
 */
export function BackupWizard({ edit }: { edit?: EditedJob } = {}) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const requested = params.get('step');
  const step: BackupStepKey = isBackupStep(requested) ? requested : 'scope';
  const stepRef = useRef(step);
  stepRef.current = step;
  const [isRestored, setIsRestored] = useState(false);

  // The resolver follows the step: each step validates with its own slice of the server's schemas.
  const resolver: Resolver<BackupWizardValues> = (values, context, options) =>
    (
      zodResolver(BACKUP_STEP_SCHEMAS[stepRef.current] as never, undefined, {
        raw: true,
      }) as unknown as Resolver<BackupWizardValues>
    )(values, context, options);
  const form = useForm<BackupWizardValues>({
    defaultValues: initialBackupValues(),
    resolver,
    mode: 'onSubmit',
    reValidateMode: 'onChange',
  });
  useVmLabels(form);

  const storageKey = edit ? editStorageKeyOf(edit) : BACKUP_WIZARD_STORAGE_KEY;
  // What "Start over" returns to: the saved job when editing, the wizard's defaults otherwise.
  const startingValuesRef = useRef(() => (edit ? valuesOfJob(edit) : initialBackupValues()));

  // Restore once on the client (sessionStorage does not exist on the server), then save on every change.
  useEffect(() => {
    const starting = startingValuesRef.current();
    const saved = readSaved(storageKey, starting);
    // A "Back up…" link for one VM (or the VM list's "Back up now…" for the ticked ones) starts
    // a fresh wizard for them rather than resuming another one.
    const params = new URLSearchParams(window.location.search);
    const vmIds = [params.get('vmId'), ...(params.get('vmIds')?.split(',') ?? [])].filter(
      (id): id is string => Boolean(id),
    );
    // The VM list's "Add to job…" opens the job with the ticked VMs added, to be reviewed (each
    // new warning acknowledged) and saved as any edit of the job is.
    const addedVmIds = params.getAll('addVmId');
    if (vmIds.length > 0 && !edit) {
      const values = initialBackupValues();
      values.request.scope.vmIds = [...new Set(vmIds)];
      form.reset(values);
    } else if (edit && addedVmIds.length > 0 && starting.request.scope.kind === 'vms') {
      starting.request.scope.vmIds = [...new Set([...starting.request.scope.vmIds, ...addedVmIds])];
      form.reset(starting);
    } else form.reset(saved ?? starting);
    setIsRestored(true);
    const subscription = form.watch((values) => {
      window.sessionStorage.setItem(storageKey, JSON.stringify(values));
    });
    return () => subscription.unsubscribe();
  }, [form, storageKey, edit]);

  const hrefOf = (key: BackupStepKey) => `${pathname}?step=${key}`;

  // A step can only be shown once the steps before it are valid.
  useEffect(() => {
    if (!isRestored) return;
    const invalid = firstInvalidStep(form.getValues());
    const order = BACKUP_STEPS.map((s) => s.key);
    if (invalid && order.indexOf(invalid) < order.indexOf(step)) {
      router.replace(`${pathname}?step=${invalid}`);
    }
    form.clearErrors();
  }, [isRestored, step, form, router, pathname]);

  const goTo = (key: BackupStepKey) => router.push(hrefOf(key));
  const next = () => {
    const index = BACKUP_STEPS.findIndex((s) => s.key === step);
    const following = BACKUP_STEPS[index + 1];
    if (following) goTo(following.key);
  };
  const back = () => {
    const index = BACKUP_STEPS.findIndex((s) => s.key === step);
    const previous = BACKUP_STEPS[index - 1];
    if (previous) goTo(previous.key);
  };
  const onFinished = () => window.sessionStorage.removeItem(storageKey);
  const startOver = () => {
    window.sessionStorage.removeItem(storageKey);
    form.reset(startingValuesRef.current());
    goTo('scope');
  };

  const stepIndex = BACKUP_STEPS.findIndex((s) => s.key === step);
  return (
    <BackupWizardModeContext.Provider value={edit ? { kind: 'edit', job: edit } : { kind: 'create' }}>
      <PageHeader
        parent={edit ? { href: `/jobs/${encodeURIComponent(edit.id)}`, label: edit.name } : undefined}
        title={edit ? `Edit backup job ${edit.name}` : 'New backup'}
        description={
          edit
            ? 'Every setting of the job, step by step; the server reviews the changed job again before saving it.'
            : 'Choose what to protect and how; the engine checks every prerequisite before anything runs.'
        }
        actions={
          <button
            type="button"
            onClick={startOver}
            className="text-sm text-accent underline underline-offset-2 hover:decoration-2"
          >
            {edit ? 'Discard changes' : 'Start over'}
          </button>
        }
      />
      <WizardProgress
        label="Backup wizard steps"
        steps={BACKUP_STEPS}
        current={step}
        hrefOf={hrefOf}
        reachable={(key) => BACKUP_STEPS.findIndex((s) => s.key === key) < stepIndex}
      />
      {!isRestored ? (
        <LoadingState label="Restoring your choices…" />
      ) : (
        <FormProvider {...form}>
          <form
            noValidate
            onSubmit={form.handleSubmit(next)}
            aria-label={BACKUP_STEPS[stepIndex]?.label}
            className="max-w-5xl"
          >
            {step === 'scope' ? <ScopeStep /> : null}
            {step === 'method' ? <MethodStep onBack={back} /> : null}
            {step === 'policy' ? <PolicyStep onBack={back} /> : null}
            {step === 'schedule' ? <ScheduleStep onBack={back} /> : null}
            {step === 'review' ? <ReviewStep onBack={back} onFinished={onFinished} /> : null}
          </form>
        </FormProvider>
      )}
    </BackupWizardModeContext.Provider>
  );
}
