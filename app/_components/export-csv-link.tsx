'use client';

import { Download } from 'lucide-react';
import { Button } from '@/app/_components/ui/button';
import type { ExportableList } from '@/server/schemas/list-export';

/**
 * Downloads the list as CSV with the filters and order on screen: the page hands over the same
 * query it sends to the list procedure (the page position is left out: the export has every row).
 */
export function ExportCsvLink({ list, query, noun }: { list: ExportableList; query: object; noun: string }) {
  const { cursor: _cursor, limit: _limit, ...filters } = query as { cursor?: unknown; limit?: unknown };
  const href = `/api/export/${list}?query=${encodeURIComponent(JSON.stringify(filters))}`;
  return (
    <Button asChild variant="secondary">
      <a href={href} download>
        <Download aria-hidden className="size-4" />
        Export CSV<span className="sr-only"> of these {noun}</span>
      </a>
    </Button>
  );
}
