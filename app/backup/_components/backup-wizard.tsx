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
import {
  BACKUP_STEP_SCHEMAS,
  BACKUP_STEPS,
  BACKUP_WIZARD_STORAGE_KEY,
  type BackupStepKey,
  type BackupWizardValues,
  firstInvalidStep,
  initialBackupValues,
  isBackupStep,
} from './wizard-model';

function readSaved(): BackupWizardValues | null {
  try {
    const text = window.sessionStorage.getItem(BACKUP_WIZARD_STORAGE_KEY);
    return text ? { ...initialBackupValues(), ...(JSON.parse(text) as BackupWizardValues) } : null;
  } catch {
    return null;
  }
}

/**
 * Backup wizard. The step lives in the URL (`?step=`), the half-filled form in sessionStorage,
 * so back/forward and a reload keep it; a deep link past an unfinished step lands on that step.
 */
export function BackupWizard() {
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

  // Restore once on the client (sessionStorage does not exist on the server), then save on every change.
  useEffect(() => {
    const saved = readSaved();
    // A "Back up…" link for one VM (or the VM list's "Back up now…" for the ticked ones) starts
    // a fresh wizard for them rather than resuming another one.
    const params = new URLSearchParams(window.location.search);
    const vmIds = [params.get('vmId'), ...(params.get('vmIds')?.split(',') ?? [])].filter(
      (id): id is string => Boolean(id),
    );
    if (vmIds.length > 0) {
      const values = initialBackupValues();
      values.request.scope.vmIds = [...new Set(vmIds)];
      form.reset(values);
    } else if (saved) form.reset(saved);
    setIsRestored(true);
    const subscription = form.watch((values) => {
      window.sessionStorage.setItem(BACKUP_WIZARD_STORAGE_KEY, JSON.stringify(values));
    });
    return () => subscription.unsubscribe();
  }, [form]);

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
  const onFinished = () => window.sessionStorage.removeItem(BACKUP_WIZARD_STORAGE_KEY);
  const startOver = () => {
    window.sessionStorage.removeItem(BACKUP_WIZARD_STORAGE_KEY);
    form.reset(initialBackupValues());
    goTo('scope');
  };

  const stepIndex = BACKUP_STEPS.findIndex((s) => s.key === step);
  return (
    <>
      <PageHeader
        title="New backup"
        description="Choose what to protect and how; the engine checks every prerequisite before anything runs."
        actions={
          <button type="button" onClick={startOver} className="text-sm text-brand-700 hover:underline">
            Start over
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
    </>
  );
}
