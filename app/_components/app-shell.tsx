'use client';

import { usePathname } from 'next/navigation';
import type { ReactNode } from 'react';
import { ApprovalsBadge } from './account/approvals-badge';
import { UserMenu } from './account/user-menu';
import { GlobalSearch } from './global-search';
import { SideNav } from './side-nav';

/** Pages shown before anyone is signed in: no navigation, no user. */
const BARE_PAGES = ['/sign-in', '/setup'];

export function AppShell({ children }: { children: ReactNode }) {
  const pathname = usePathname();
  if (BARE_PAGES.includes(pathname)) {
    return (
      <main id="main" className="px-8 py-6">
        {children}
      </main>
    );
  }
  return (
    <div className="flex min-h-screen">
      <SideNav />
      <div className="min-w-0 flex-1">
        <header className="flex items-center justify-end gap-4 border-b border-line bg-surface px-8 py-2">
          <div className="mr-auto">
            <GlobalSearch />
          </div>
          <ApprovalsBadge />
          <UserMenu />
        </header>
        <main id="main" className="min-w-0 px-8 py-6">
          {children}
        </main>
      </div>
    </div>
  );
}
