import type { Metadata } from 'next';
import { SessionList } from './session-list';

export const metadata: Metadata = { title: 'My sessions' };

export default function SessionsPage() {
  return <SessionList />;
}
