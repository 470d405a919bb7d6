/**
 * How messages and pages name a connection: its kind in words, then its name ("Hyper-V host HV01
 * lab", "XenServer pool pool-lab"). The connectors' clients prefix their errors with this label, and
 * a host page that repeats a stored error after naming the connection (StaleFactsNotice) drops the
 * same prefix: one source of the words keeps the two in step.
 */
export const CONNECTION_KIND_WORDS = { hyperv: 'Hyper-V host', xapi: 'XenServer pool' } as const;

export type ConnectionKindWords = (typeof CONNECTION_KIND_WORDS)[keyof typeof CONNECTION_KIND_WORDS];

export function connectionLabel(kind: keyof typeof CONNECTION_KIND_WORDS, name: string): string {
  return `${CONNECTION_KIND_WORDS[kind]} ${name}`;
}
