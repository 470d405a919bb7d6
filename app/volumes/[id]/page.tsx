import { VolumeDetail } from '../_components/volume-detail';

export default async function VolumePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <VolumeDetail id={decodeURIComponent(id)} />;
}
