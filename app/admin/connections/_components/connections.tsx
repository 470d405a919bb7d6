'use client';

import { PageHeader } from '@/app/_components/page-header';
import { ConnectorAccounts } from './connector-accounts';
import { HypervHosts } from './hyperv-hosts';
import { StorageArrays } from './storage-arrays';
import { XapiPools } from './xapi-pools';

/** What Migawka is connected to, and the vault accounts it connects with (admins only). */
export function Connections() {
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title="Connections"
        description="The Hyper-V hosts, hypervisor pools and storage arrays Migawka talks to and the accounts it uses. Passwords go into the vault and are never shown again."
      />
      <HypervHosts />
      <XapiPools />
      <StorageArrays />
      <ConnectorAccounts />
    </div>
  );
}
