import { hostVolumeListQueryInput, idInput } from '../../schemas/inventory-queries';
import { getHostVolume, listHostVolumes } from '../../services/inventory/host-volumes';
import { publicProcedure, router } from '../init';

/** Host volumes and XenServer SRs. */
export const volumesRouter = router({
  list: publicProcedure
    .input(hostVolumeListQueryInput)
    .query(({ ctx, input }) => listHostVolumes(ctx.stores, input)),
  get: publicProcedure.input(idInput).query(({ ctx, input }) => getHostVolume(ctx.stores, input.id)),
});
