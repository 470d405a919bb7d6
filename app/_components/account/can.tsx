'use client';

import type { ReactNode } from 'react';
import { type Me, useMe } from '@/app/_lib/use-me';

/**
 * Shows its children only to a role that may do what they offer (the server refuses it anyway):
 * no button or link a role cannot use. Hidden while the role is still loading.
 */
export function Can({ capability, children }: { capability: keyof Me['capabilities']; children: ReactNode }) {
  const me = useMe();
  return me?.capabilities[capability] ? children : null;
}
