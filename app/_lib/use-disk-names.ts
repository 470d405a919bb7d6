'use client';

import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { diskNameLookup } from './disk-names';
import { useTRPC } from './trpc';

/** The names of a VM's disks by id (diskNameLookup), read from the VM as the inventory holds it. */
export function useDiskNames(vmId: string): (diskId: string) => string {
  const trpc = useTRPC();
  // A VM no longer in the inventory is not an error here: its points still list their disks by id.
  const vm = useQuery({ ...trpc.vms.get.queryOptions({ id: vmId }), retry: false });
  const disks = vm.data?.disks;
  return useMemo(() => diskNameLookup(disks), [disks]);
}
