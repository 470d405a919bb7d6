import { cn } from '@/app/_lib/cn';
import { Label } from './ui/label';
import { Select } from './ui/select';

export interface FilterOption {
  value: string;
  label: string;
}

/**
 * A labelled select whose first, empty option means "no filter": the filter bars of the list pages
 * and the wizards' pickers. `onChange` gets '' for that option, which the URL helpers treat as "clear".
 */
export function FilterSelect({
  id,
  label,
  value,
  options,
  onChange,
  anyLabel = 'Any',
  className,
  selectClassName,
}: {
  id: string;
  label: string;
  value: string | undefined;
  options: readonly FilterOption[];
  onChange: (value: string) => void;
  /** The text of the "no filter" option. */
  anyLabel?: string;
  /** Classes for the label-and-select column (e.g. its width). */
  className?: string;
  selectClassName?: string;
}) {
  return (
    <div className={cn('flex flex-col gap-1', className)}>
      <Label htmlFor={id}>{label}</Label>
      <Select
        id={id}
        value={value ?? ''}
        onChange={(event) => onChange(event.target.value)}
        className={selectClassName}
      >
        <option value="">{anyLabel}</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </Select>
    </div>
  );
}
