import { ArrayDetail } from '../_components/array-detail';

export default async function ArrayPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ArrayDetail id={decodeURIComponent(id)} />;
}
