import { VmDetail } from '../_components/vm-detail';

export default async function VmPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <VmDetail id={decodeURIComponent(id)} />;
}
