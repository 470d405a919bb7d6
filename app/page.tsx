import type { Metadata } from 'next';
import Link from 'next/link';
import { Dashboard } from './_components/dashboard';
import { ProtectionSummary } from './protection/_components/protection-overview';

export const metadata: Metadata = { title: 'Dashboard' };

export default function DashboardPage() {
  return (
    <>
      <Dashboard />
      <section aria-labelledby="dashboard-protection-heading" className="mt-8">
        <div className="mb-3 flex items-baseline justify-between">
          <h2 id="dashboard-protection-heading" className="text-xl font-semibold">
            Protection today
          </h2>
          <Link
            href="/protection"
            className="text-sm text-accent underline underline-offset-2 hover:decoration-2"
          >
            Every VM's protection
          </Link>
        </div>
        <ProtectionSummary />
      </section>
    </>
  );
}
