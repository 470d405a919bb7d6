import type { Metadata } from 'next';
import { JobDetail } from '../_components/job-detail';

export const metadata: Metadata = { title: 'Backup job' };

export default async function JobPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <JobDetail id={decodeURIComponent(id)} />;
}
