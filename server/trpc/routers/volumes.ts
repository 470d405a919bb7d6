import {
  hostVolumeCountQueryInput,
  hostVolumeListQueryInput,
  idInput,
} from '../../schemas/inventory-queries';
import { countHostVolumes, getHostVolume, listHostVolumes } from '../../services/inventory/host-volumes';
import { router, viewerProcedure } from '../init';

/** Host volumes and XenServer SRs. */
export const volumesRouter = router({
  list: viewerProcedure
    .input(hostVolumeListQueryInput)
    .query(({ ctx, input }) => listHostVolumes(ctx.stores, input)),
  count: viewerProcedure
    .input(hostVolumeCountQueryInput)
    .query(({ ctx, input }) => countHostVolumes(ctx.stores, input)),
  get: viewerProcedure.input(idInput).query(({ ctx, input }) => getHostVolume(ctx.stores, input.id)),
});
