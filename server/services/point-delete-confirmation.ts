/**
 * The typed confirmation of a restore point's delete: its VM and the second it was taken
 * (engine/point-delete-confirmation.ts), told apart from the VM's other points of that second.
 * The point's details give it to the dialog; the delete, its retry and its four-eyes request
 * check it here, so an API call that skips the dialog deletes nothing on a wrong text.
 */
import type { Stores } from '../../db/stores/ports';
import type { RestorePointRecord } from '../../db/stores/ports/restore-point-store';
import {
  POINT_DELETE_TYPED_NAME,
  pointDeleteConfirmationOf,
  secondOf,
} from '../engine/point-delete-confirmation';

export { POINT_DELETE_TYPED_NAME };

import { pointNotFound } from './errors';
import { assertTypedName } from './typed-confirmation';

/** Points of one VM in one second are few; more than this many is not a catalogue Migawka writes. */
const SAME_SECOND_LIMIT = 200;

/** The text that confirms the delete of this point ("sql01 2026-12-05 10:00:03 UTC"). */
export async function pointDeleteConfirmation(
  stores: Stores,
  point: Pick<RestorePointRecord, 'id' | 'vmId' | 'vmName' | 'createdAt'>,
): Promise<string> {
  const { from, to } = secondOf(point.createdAt);
  const sameSecond = await stores.restorePoints.browse({
    vmId: point.vmId,
    createdFrom: from,
    createdTo: to,
    sort: 'oldest',
    limit: SAME_SECOND_LIMIT,
  });
  return pointDeleteConfirmationOf(point, sameSecond.items);
}

/** A point's delete is confirmed by its VM and time typed (typed-confirmation.ts); refused otherwise. */
export async function assertPointDeleteConfirmed(
  stores: Stores,
  input: { id: string; confirmation: string },
): Promise<void> {
  const point = await stores.restorePoints.get(input.id);
  if (!point) throw pointNotFound();
  assertTypedName(input.confirmation, await pointDeleteConfirmation(stores, point), POINT_DELETE_TYPED_NAME);
}
