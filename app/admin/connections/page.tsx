import type { Metadata } from 'next';
import { Connections } from './_components/connections';

export const metadata: Metadata = { title: 'Connections' };

export default function ConnectionsPage() {
  return <Connections />;
}
