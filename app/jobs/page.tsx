import type { Metadata } from 'next';
import { JobList } from './_components/job-list';

export const metadata: Metadata = { title: 'Backup jobs' };

export default function JobsPage() {
  return <JobList />;
}
