'use client';

import {
  Activity,
  ArchiveRestore,
  Boxes,
  Cable,
  CalendarClock,
  ClipboardCheck,
  Database,
  FileClock,
  FileUp,
  HardDrive,
  LayoutDashboard,
  Monitor,
  Server,
  ShieldCheck,
  Undo2,
  Upload,
  Users,
} from 'lucide-react';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '@/app/_lib/cn';
import { type Me, useMe } from '@/app/_lib/use-me';

const NAV_ITEMS = [
  { href: '/', label: 'Dashboard', icon: LayoutDashboard },
  { href: '/protection', label: 'Protection', icon: ShieldCheck },
  { href: '/vms', label: 'VMs', icon: Monitor },
  { href: '/hosts', label: 'Hosts', icon: Server },
  { href: '/volumes', label: 'Volumes', icon: HardDrive },
  { href: '/arrays', label: 'Arrays', icon: Database },
  { href: '/operations', label: 'Operations', icon: Activity },
  { href: '/jobs', label: 'Jobs', icon: CalendarClock },
  { href: '/backup/new', label: 'New backup', icon: Upload, needs: 'runBackups' },
  { href: '/restore/new', label: 'Restore', icon: Undo2, needs: 'restore' },
  { href: '/restore-points', label: 'Restore points', icon: ArchiveRestore },
  { href: '/import', label: 'Import', icon: FileUp, needs: 'importInventory' },
  { href: '/approvals', label: 'Approvals', icon: ClipboardCheck },
  { href: '/audit', label: 'Audit trail', icon: FileClock, needs: 'readAudit' },
  { href: '/admin/users', label: 'Users', icon: Users, needs: 'manageUsers' },
  { href: '/admin/connections', label: 'Connections', icon: Cable, needs: 'manageConnections' },
] as const satisfies readonly {
  href: string;
  label: string;
  icon: unknown;
  needs?: keyof Me['capabilities'];
}[];

/** Links to pages whose only purpose the role may not use are left out (no dead ends). */
function visibleItems(me: Me | undefined) {
  return NAV_ITEMS.filter((item) => !('needs' in item) || me?.capabilities[item.needs]);
}

function isActive(pathname: string, href: string): boolean {
  return href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`);
}

export function SideNav() {
  const pathname = usePathname();
  const me = useMe();
  return (
    <aside className="sticky top-0 flex h-screen w-56 shrink-0 flex-col border-r border-line bg-surface">
      <Link
        href="/"
        className="flex items-center gap-2 px-5 py-5 text-lg font-semibold tracking-tight text-fg focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand-500"
      >
        <Boxes aria-hidden="true" className="size-6 text-accent" />
        Migawka
      </Link>
      <nav aria-label="Main" className="flex-1 px-3">
        <ul className="flex flex-col gap-1">
          {visibleItems(me).map(({ href, label, icon: Icon }) => {
            const active = isActive(pathname, href);
            return (
              <li key={href}>
                <Link
                  href={href}
                  aria-current={active ? 'page' : undefined}
                  className={cn(
                    'flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium text-fg-soft hover:bg-surface-strong focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-brand-500',
                    active && 'bg-accent-soft text-accent-strong hover:bg-accent-soft-hover',
                  )}
                >
                  <Icon aria-hidden="true" className="size-4" />
                  {label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <p className="px-5 py-4 text-xs text-fg-subtle">Inventory &amp; protection console</p>
    </aside>
  );
}
