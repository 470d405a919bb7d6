'use client';

import { useId } from 'react';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import type { RouterOutputs } from '@/app/_lib/trpc';

export type ReplacePreview = RouterOutputs['inventory']['previewReplace'];

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function NameList({ label, list }: { label: string; list: { count: number; names: string[] } }) {
  if (list.count === 0) return null;
  const more = list.count - list.names.length;
  return (
    <div>
      <h4 className="font-medium">
        {label} ({list.count})
      </h4>
      <ul aria-label={label} className="list-disc pl-5">
        {list.names.map((name) => (
          <li key={name}>{name}</li>
        ))}
        {more > 0 ? <li>and {more} more</li> : null}
      </ul>
    </div>
  );
}

/**
 * What a replace would remove, computed on the server from the file and the stored inventory, and
 * the typed confirmation that names it. The import button stays disabled until the words match.
 */
export function ReplacePreviewPanel({
  preview,
  typed,
  onTypedChange,
}: {
  preview: ReplacePreview;
  typed: string;
  onTypedChange: (value: string) => void;
}) {
  const inputId = useId();
  const hintId = useId();
  const { removes, jobs, restorePoints, confirmation } = preview;
  if (!confirmation) {
    return (
      <Alert tone="info" role="status" aria-labelledby="replace-preview-title">
        <AlertTitle id="replace-preview-title">This replace removes nothing</AlertTitle>
        <p>Every object stored now is in the file: the replace only adds and updates objects.</p>
      </Alert>
    );
  }
  const others = removes.counts.hostVolumes + removes.counts.virtualDisks + removes.counts.guestVolumes;
  const storage = removes.counts.arrays + removes.counts.arrayVolumes + removes.counts.consistencyGroups;
  return (
    <Alert
      tone="danger"
      role="region"
      aria-labelledby="replace-preview-title"
      className="flex flex-col gap-3"
    >
      <AlertTitle id="replace-preview-title">Replacing the inventory will {confirmation.phrase}</AlertTitle>
      <p>
        The file has {plural(preview.file.vms, 'VM')} on {plural(preview.file.hosts, 'host')}; the console has{' '}
        {plural(preview.stored.vms, 'VM')} on {plural(preview.stored.hosts, 'host')} now.
        {others > 0 ? ` With them go ${plural(others, 'volume, disk or guest volume')}` : ''}
        {storage > 0 ? `${others > 0 ? ' and' : ' With them go'} ${plural(storage, 'array object')}` : ''}
        {others + storage > 0 ? '.' : ''}
      </p>
      <NameList label="Hosts removed" list={removes.hosts} />
      <NameList label="VMs removed" list={removes.vms} />
      {jobs.length > 0 ? (
        <div>
          <h4 className="font-medium">Backup jobs that lose part of their scope ({jobs.length})</h4>
          <ul aria-label="Backup jobs affected" className="list-disc pl-5">
            {jobs.map((job) => (
              <li key={job.id}>
                <span className="font-medium">{job.name}</span>:{' '}
                {job.lostVolume
                  ? `its volume ${job.lostVolume} is removed; it would back up nothing`
                  : `loses ${job.lostVms.join(', ')}${job.isLeftEmpty ? '; nothing of its scope is left' : ''}`}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {restorePoints.count > 0 ? (
        <div>
          <h4 className="font-medium">Restore points left without their VM ({restorePoints.count})</h4>
          <p className="text-sm">
            They stay in the catalogue, but their VM will no longer be in the inventory.
          </p>
          <ul aria-label="Restore points left without their VM" className="list-disc pl-5">
            {restorePoints.byVm.map((row) => (
              <li key={row.vmName}>
                {row.vmName}: {plural(row.points, 'point')}
              </li>
            ))}
            {restorePoints.vmCount > restorePoints.byVm.length ? (
              <li>…and {plural(restorePoints.vmCount - restorePoints.byVm.length, 'more VM')}</li>
            ) : null}
          </ul>
        </div>
      ) : null}
      <div className="flex flex-col gap-1">
        <Label htmlFor={inputId}>
          Type <strong>{confirmation.phrase}</strong> to confirm
        </Label>
        <Input
          id={inputId}
          value={typed}
          autoComplete="off"
          spellCheck={false}
          aria-describedby={hintId}
          onChange={(event) => onTypedChange(event.target.value)}
        />
        <p id={hintId} className="text-xs">
          The server checks the words and what they stand for: if the inventory changed since this preview,
          the replace is refused and you preview again.
        </p>
      </div>
    </Alert>
  );
}
