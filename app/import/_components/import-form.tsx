'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { toast } from 'sonner';
import { PageHeader } from '@/app/_components/page-header';
import { SectionCountsTable } from '@/app/_components/section-counts-table';
import { Alert, AlertTitle } from '@/app/_components/ui/alert';
import { Button } from '@/app/_components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/app/_components/ui/card';
import { Input } from '@/app/_components/ui/input';
import { Label } from '@/app/_components/ui/label';
import { RadioGroup, RadioGroupItem } from '@/app/_components/ui/radio-group';
import { fieldErrorsOf, type RouterInputs, useTRPC } from '@/app/_lib/trpc';
import { ApprovalSentPanel } from '@/app/approvals/_components/approval-sent';
import { decodeTextBytes } from '@/server/schemas/json-text';
import { ReplacePreviewPanel } from './replace-preview-panel';

type ImportMode = NonNullable<RouterInputs['inventory']['import']['mode']>;

/** Merge first and preselected: it removes nothing. */
const MODES: { value: ImportMode; label: string; explanation: string }[] = [
  {
    value: 'merge',
    label: 'Merge into the inventory',
    explanation:
      'Objects in the file are added, or updated when their id already exists; nothing is removed. References may point at objects already stored.',
  },
  {
    value: 'replace',
    label: 'Replace the inventory',
    explanation:
      'The file becomes the whole inventory: hosts, VMs, volumes and arrays not in the file are removed. You see what goes, and confirm it, before anything is removed.',
  },
];

export function ImportForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const fileHintId = useId();
  const [mode, setMode] = useState<ImportMode>('merge');
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const previewMutation = useMutation(trpc.inventory.previewReplace.mutationOptions());

  const importMutation = useMutation(
    trpc.inventory.import.mutationOptions({
      onSuccess: async (result) => {
        previewMutation.reset();
        setTyped('');
        // Four-eyes: a replace waits for a second admin; the panel below says so, with a link.
        if ('approvalRequest' in result) return;
        const summary = `Inventory imported: ${result.stored.vms} VMs on ${result.stored.hosts} hosts`;
        if (result.notRead.length === 0) toast.success(summary);
        else
          toast.warning(
            `${summary}; ${result.notRead.length} not read by the collector (listed on the page)`,
          );
        // Every list, detail and the dashboard reflect the new inventory.
        await queryClient.invalidateQueries();
      },
      onError: (error) => {
        toast.error(error.message);
        // A refused confirmation means the preview is out of date: show the import's reason, preview again.
        previewMutation.reset();
        setTyped('');
      },
    }),
  );
  const preview = mode === 'replace' && previewMutation.isSuccess ? previewMutation.data : null;
  const phrase = preview?.confirmation?.phrase ?? null;
  const isConfirmed = preview !== null && (phrase === null || typed.trim() === phrase);

  const resetPreview = () => {
    previewMutation.reset();
    importMutation.reset();
    setTyped('');
  };

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!file) {
      setFileError('Choose an inventory JSON file first.');
      return;
    }
    setFileError(null);
    // By its byte-order mark: Windows PowerShell 5.1 writes UTF-16 (Out-File, >) or UTF-8 with a mark.
    const content = decodeTextBytes(new Uint8Array(await file.arrayBuffer()));
    if (mode === 'merge') {
      importMutation.mutate({ content, mode });
      return;
    }
    if (!preview) {
      importMutation.reset();
      previewMutation.mutate({ content });
      return;
    }
    if (!isConfirmed) return;
    importMutation.mutate({
      content,
      mode,
      ...(preview.confirmation
        ? { confirmation: { phrase: typed, removalFingerprint: preview.confirmation.removalFingerprint } }
        : {}),
    });
  };

  const failed = importMutation.isError
    ? importMutation.error
    : previewMutation.isError
      ? previewMutation.error
      : null;
  const fieldErrors = failed ? fieldErrorsOf(failed) : [];
  const answer = importMutation.data;
  const sent = answer && 'approvalRequest' in answer ? answer.approvalRequest : null;
  const result = answer && !('approvalRequest' in answer) ? answer : null;

  return (
    <>
      <PageHeader
        title="Import inventory"
        description="Load hosts, VMs, volumes and arrays from a JSON file (format: docs/inventory-format.md), or a Hyper-V host's collector document (migawka collect hyperv, Collect-MigawkaInventory.ps1). The file is checked as a whole first: if anything is wrong, nothing changes."
      />
      <div className="flex max-w-3xl flex-col gap-6">
        <Card>
          <CardHeader>
            <CardTitle>Inventory file</CardTitle>
            <CardDescription>Every VM is re-assessed as soon as the import succeeds.</CardDescription>
          </CardHeader>
          <CardContent>
            <form onSubmit={onSubmit} className="flex flex-col gap-5" aria-label="Import inventory">
              <div className="flex flex-col gap-1">
                <Label htmlFor="inventory-file">Inventory file (JSON)</Label>
                <Input
                  id="inventory-file"
                  type="file"
                  accept="application/json,.json"
                  aria-describedby={fileHintId}
                  aria-invalid={fileError ? true : undefined}
                  className="h-auto py-1.5"
                  onChange={(event) => {
                    setFile(event.target.files?.[0] ?? null);
                    setFileError(null);
                    resetPreview();
                  }}
                />
                <p id={fileHintId} className="text-xs text-fg-subtle">
                  {fileError ? (
                    <span className="text-danger">{fileError}</span>
                  ) : (
                    'The file is read in your browser and sent to the server as text.'
                  )}
                </p>
              </div>
              <fieldset className="flex flex-col gap-2">
                <legend className="mb-2 text-sm font-medium text-fg-soft">Import mode</legend>
                <RadioGroup
                  value={mode}
                  onValueChange={(value) => {
                    setMode(value as ImportMode);
                    resetPreview();
                  }}
                  aria-label="Import mode"
                >
                  {MODES.map((option) => (
                    <div key={option.value} className="flex items-start gap-3">
                      <RadioGroupItem
                        value={option.value}
                        id={`mode-${option.value}`}
                        aria-describedby={`mode-${option.value}-explanation`}
                      />
                      <div>
                        <Label htmlFor={`mode-${option.value}`}>{option.label}</Label>
                        <p id={`mode-${option.value}-explanation`} className="text-sm text-fg-muted">
                          {option.explanation}
                        </p>
                      </div>
                    </div>
                  ))}
                </RadioGroup>
              </fieldset>
              {preview ? (
                <ReplacePreviewPanel preview={preview} typed={typed} onTypedChange={setTyped} />
              ) : null}
              <div>
                {mode === 'merge' ? (
                  <Button type="submit" disabled={importMutation.isPending}>
                    {importMutation.isPending ? 'Importing…' : 'Import'}
                  </Button>
                ) : preview ? (
                  <Button
                    type="submit"
                    disabled={!isConfirmed || importMutation.isPending}
                    className="bg-red-700 hover:bg-red-800"
                  >
                    {importMutation.isPending ? 'Replacing…' : 'Replace the inventory'}
                  </Button>
                ) : (
                  <Button type="submit" disabled={previewMutation.isPending}>
                    {previewMutation.isPending ? 'Checking the file…' : 'Preview what the replace removes'}
                  </Button>
                )}
              </div>
            </form>
          </CardContent>
        </Card>

        {failed ? (
          <Alert tone="danger" role="alert" aria-labelledby="import-error-title">
            <AlertTitle id="import-error-title">Import rejected: {failed.message}</AlertTitle>
            {fieldErrors.length > 0 ? (
              <ul aria-label="Field errors" className="mt-2 list-disc pl-5">
                {fieldErrors.map((fieldError, index) => (
                  <li key={index}>
                    <code>{fieldError.path}</code>: {fieldError.message}
                  </li>
                ))}
              </ul>
            ) : null}
          </Alert>
        ) : null}

        {sent ? <ApprovalSentPanel request={sent} /> : null}
        {result ? (
          <Alert tone="success" role="status" aria-labelledby="import-result-title">
            <AlertTitle id="import-result-title">
              Inventory {result.mode === 'replace' ? 'replaced' : 'merged'}: {result.stored.vms} VMs on{' '}
              {result.stored.hosts} hosts
            </AlertTitle>
            <div className="mt-2">
              <SectionCountsTable
                caption="Objects imported and stored"
                columns={[
                  { header: 'In the file', counts: result.imported },
                  { header: 'Stored now', counts: result.stored },
                ]}
              />
            </div>
          </Alert>
        ) : null}
        {result && result.notRead.length > 0 ? (
          <Alert tone="warning" aria-labelledby="import-not-read-title">
            <AlertTitle id="import-not-read-title">The collector could not read everything</AlertTitle>
            <p>Imported as not read, not as absent: run the collector again once these are fixed.</p>
            <ul aria-label="Not read by the collector" className="mt-1 list-disc pl-5">
              {result.notRead.map((unknown) => (
                <li key={unknown}>{unknown}</li>
              ))}
            </ul>
          </Alert>
        ) : null}
      </div>
    </>
  );
}
