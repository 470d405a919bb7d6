import { HostDetail } from '../_components/host-detail';

export default async function HostPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <HostDetail id={decodeURIComponent(id)} />;
}
