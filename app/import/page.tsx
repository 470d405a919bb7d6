import type { Metadata } from 'next';
import { ImportForm } from './_components/import-form';

export const metadata: Metadata = { title: 'Import inventory' };

export default function ImportPage() {
  return <ImportForm />;
}
