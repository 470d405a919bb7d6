'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect } from 'react';
import { PageHeader } from '@/app/_components/page-header';
import { Alert } from '@/app/_components/ui/alert';
import { WizardProgress } from '@/app/_components/wizard';
import { useTRPC } from '@/app/_lib/trpc';
import { ConfirmStep } from './confirm-step';
import { ImpactStep } from './impact-step';
import { ModeStep } from './mode-step';
import { PointStep } from './point-step';
import { VmStep } from './vm-step';
import { RESTORE_STEPS, type RestoreStepKey, readState } from './wizard-model';

/** What the wizard keeps in the URL (the state's fields under their URL names). */
type UrlKey =
  | 'step'
  | 'vmId'
  | 'pointId'
  | 'mode'
  | 'newVmName'
  | 'targetVolumeId'
  | 'powerOn'
  | 'reviewed'
  | 'estateChanged';

/** A new point or mode is a new plan: nothing of the last review carries over. */
const FRESH_REVIEW = { reviewed: '', estateChanged: '' };

/**
 * Restore wizard. Everything it needs fits in the URL (VM, point, mode, new name), so back and
 * forward walk through the steps with the choices intact and a link reproduces the wizard.
 */
export function RestoreWizard() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const state = readState(params);
  const trpc = useTRPC();

  // Started from a restore point (?pointId= alone): fill in its VM and go to the mode.
  const startPoint = useQuery({
    ...trpc.restorePoints.get.queryOptions({ id: state.pointId }),
    enabled: state.pointId !== '',
  });
  useEffect(() => {
    if (state.pointId && !state.vmId && startPoint.data) {
      const next = new URLSearchParams(params);
      next.set('vmId', startPoint.data.point.vmId);
      next.set('step', 'mode');
      router.replace(`${pathname}?${next.toString()}`);
    }
  }, [state.pointId, state.vmId, startPoint.data, params, pathname, router]);

  const go = (changes: Partial<Record<UrlKey, string>>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    router.push(`${pathname}?${next.toString()}`);
  };
  const stepIndex = RESTORE_STEPS.findIndex((s) => s.key === state.step);
  const required: Record<RestoreStepKey, boolean> = {
    vm: true,
    point: state.vmId !== '',
    mode: state.pointId !== '',
    impact: state.pointId !== '' && state.mode !== '',
    confirm: state.pointId !== '' && state.mode !== '' && state.reviewed !== '',
  };
  const back = () => {
    const previous = RESTORE_STEPS[stepIndex - 1];
    if (previous) go({ step: previous.key });
  };

  return (
    <>
      <PageHeader
        title="Restore"
        description="Pick a point and a mode; the blast radius is shown before anything runs, with the safer alternative first."
      />
      <WizardProgress
        label="Restore wizard steps"
        steps={RESTORE_STEPS}
        current={state.step}
        hrefOf={(key) => {
          const next = new URLSearchParams(params);
          next.set('step', key);
          return `${pathname}?${next.toString()}`;
        }}
        reachable={(key) => RESTORE_STEPS.findIndex((s) => s.key === key) < stepIndex}
      />
      <div className="max-w-5xl">
        {!required[state.step] ? (
          <Alert tone="info">
            An earlier step is not finished.{' '}
            <Link href={pathname} className="font-medium underline">
              Start from the first step
            </Link>
            .
          </Alert>
        ) : state.step === 'vm' ? (
          <VmStep
            selected={state.vmId}
            onNext={(vmId) => go({ vmId, pointId: '', mode: '', step: 'point' })}
          />
        ) : state.step === 'point' ? (
          <PointStep
            vmId={state.vmId}
            selected={state.pointId}
            onBack={back}
            onNext={(pointId) => go({ ...FRESH_REVIEW, pointId, mode: '', step: 'mode' })}
          />
        ) : state.step === 'mode' ? (
          <ModeStep
            pointId={state.pointId}
            selected={state.mode}
            newVmName={state.newVmName}
            onBack={back}
            placement={{
              targetHostVolumeId: state.targetHostVolumeId,
              powerOnAfterRestore: state.powerOnAfterRestore,
            }}
            onNext={(mode, newVmName, placement) =>
              go({
                ...FRESH_REVIEW,
                mode,
                newVmName,
                targetVolumeId: placement.targetHostVolumeId,
                powerOn: placement.powerOnAfterRestore ? '1' : '',
                step: 'impact',
              })
            }
          />
        ) : state.step === 'impact' ? (
          <ImpactStep
            state={state}
            onBack={back}
            onSwitch={(mode, newVmName) => go({ ...FRESH_REVIEW, mode, newVmName, step: 'impact' })}
            onNext={(fingerprint) => go({ reviewed: fingerprint, estateChanged: '', step: 'confirm' })}
          />
        ) : (
          <ConfirmStep
            state={state}
            onBack={back}
            onEstateChanged={() => go({ reviewed: '', estateChanged: '1', step: 'impact' })}
          />
        )}
      </div>
    </>
  );
}
