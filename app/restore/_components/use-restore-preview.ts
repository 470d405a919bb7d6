import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_lib/trpc';
import type { RestoreMode } from '@/server/engine/plan-types';
import type { RestoreState } from './wizard-model';

/** The server's plan for the chosen point and mode (always fresh: the estate may have changed). */
export function usePreview(state: RestoreState, confirmation?: string) {
  const trpc = useTRPC();
  return useQuery({
    ...trpc.restores.preview.queryOptions({
      restorePointId: state.pointId,
      mode: state.mode as RestoreMode,
      newVmName: state.newVmName || undefined,
      targetHostVolumeId: state.targetHostVolumeId || undefined,
      powerOnAfterRestore: state.mode === 'as-new' ? state.powerOnAfterRestore : undefined,
      confirmation,
    }),
    staleTime: 0,
    placeholderData: keepPreviousData,
  });
}
