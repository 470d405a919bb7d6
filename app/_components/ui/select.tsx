import type { ComponentProps } from 'react';
import { cn } from '@/app/_lib/cn';
import { fieldClassName } from './input';

/**
 * A styled native select: keyboard, screen readers and mobile pickers work out of the box,
 * which matters more for filter bars than a custom listbox does.
 */
export function Select({ className, ...props }: ComponentProps<'select'>) {
  return <select className={cn(fieldClassName, 'pr-8', className)} {...props} />;
}
