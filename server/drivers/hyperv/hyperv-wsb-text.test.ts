/**
 * wbadmin's text as real hosts print it (English), read by the parts that hold in every language:
 * version identifiers (UTC), snapshot ids, exit codes and HRESULTs. The fixtures keep the shapes
 * seen on real hosts: a disk target with snapshot ids (Server 2016+), a network share without them
 * (older output, "Backup location"), a host whose labels are not English, and wbadmin's error lines.
 */
import { describe, expect, it } from 'vitest';
import {
  errorTextOf,
  hresultOf,
  parseWsbVersions,
  versionIdOf,
  versionTime,
  wsbFailure,
} from './hyperv-wsb-text';

const HEADER =
  'wbadmin 1.0 - Backup command-line tool\r\n(C) Copyright Microsoft Corporation. All rights reserved.\r\n\r\n';

/** A host at UTC-6: "Backup time" is local, the identifier is UTC. */
const DISK_TARGET = `${HEADER}Backup time: 11/23/2026 8:00 PM\r
Backup target: Fixed Disk labeled Backup(E:)\r
Version identifier: 11/24/2026-02:00\r
Can recover: Volume(s), File(s), Application(s), Virtual Machine(s)\r
Snapshot ID: {445bf85d-efd2-448b-b33a-f97422f3318a}\r
\r
Backup time: 11/24/2026 8:00 PM\r
Backup target: Fixed Disk labeled Backup(E:)\r
Version identifier: 11/25/2026-02:00\r
Can recover: Volume(s), File(s), Application(s), Virtual Machine(s)\r
Snapshot ID: {DCDA5137-B840-494B-8CE7-CFD3680B2391}\r
`;

const SHARE = `${HEADER}Backup time: 9/21/2026 4:00 PM
Backup location: Network Share labeled \\\\nas01\\wsb
Version identifier: 09/21/2026-23:00
Can recover: Volume(s), File(s)

Backup time: 9/22/2026 4:00 PM
Backup location: Network Share labeled \\\\nas01\\wsb
Version identifier: 09/22/2026-23:00
Can recover: Volume(s), File(s)
`;

/** Labels translated (German host; the wording is illustrative, not copied from a host): only the identifier and the snapshot id are read. */
const GERMAN = `wbadmin 1.0 - Sicherungsbefehlszeilen-Tool\r
Sicherungszeit: 24.11.2026 03:00\r
Sicherungsziel: Feste Festplatte mit der Bezeichnung Backup(E:)\r
Versionsbezeichner: 11/24/2026-02:00\r
Wiederherstellbar: Volume(s), Datei(en), Anwendung(en)\r
Snapshot-ID: {445bf85d-efd2-448b-b33a-f97422f3318a}\r
`;

describe('wbadmin get versions', () => {
  it.each([
    {
      name: 'disk target with snapshot ids',
      text: DISK_TARGET,
      versions: [
        {
          versionId: '11/24/2026-02:00',
          backedUpAt: new Date('2026-11-24T02:00:00Z'),
          snapshotId: '445bf85d-efd2-448b-b33a-f97422f3318a',
          target: 'Fixed Disk labeled Backup(E:)',
          canRecover: ['Volume(s)', 'File(s)', 'Application(s)', 'Virtual Machine(s)'],
        },
        {
          versionId: '11/25/2026-02:00',
          backedUpAt: new Date('2026-11-25T02:00:00Z'),
          snapshotId: 'dcda5137-b840-494b-8ce7-cfd3680b2391',
          target: 'Fixed Disk labeled Backup(E:)',
          canRecover: ['Volume(s)', 'File(s)', 'Application(s)', 'Virtual Machine(s)'],
        },
      ],
    },
    {
      name: 'network share, no snapshot ids, LF line ends',
      text: SHARE,
      versions: [
        {
          versionId: '09/21/2026-23:00',
          backedUpAt: new Date('2026-09-21T23:00:00Z'),
          snapshotId: null,
          target: 'Network Share labeled \\\\nas01\\wsb',
          canRecover: ['Volume(s)', 'File(s)'],
        },
        {
          versionId: '09/22/2026-23:00',
          backedUpAt: new Date('2026-09-22T23:00:00Z'),
          snapshotId: null,
          target: 'Network Share labeled \\\\nas01\\wsb',
          canRecover: ['Volume(s)', 'File(s)'],
        },
      ],
    },
    {
      name: 'labels not in English',
      text: GERMAN,
      versions: [
        {
          versionId: '11/24/2026-02:00',
          backedUpAt: new Date('2026-11-24T02:00:00Z'),
          snapshotId: '445bf85d-efd2-448b-b33a-f97422f3318a',
          target: null,
          canRecover: [],
        },
      ],
    },
    { name: 'no backups', text: `${HEADER}No backups were found.\r\n`, versions: [] },
  ])('$name', ({ text, versions }) => {
    expect(parseWsbVersions(text)).toEqual(versions);
  });

  it('reads and writes identifiers as UTC minutes', () => {
    expect(versionTime('02/29/2028-23:59')).toEqual(new Date('2028-02-29T23:59:00Z'));
    expect(versionTime('yesterday')).toBeNull();
    expect(versionIdOf(new Date('2026-01-05T07:03:41Z'))).toBe('01/05/2026-07:03');
  });
});

describe('wbadmin failures', () => {
  it.each([
    {
      name: 'VSS writer, not retryable',
      output:
        'ERROR - Volume Shadow Copy Service operation error (0x800423f4)\r\nThe writer experienced a non-transient error.\r\n',
      fault: 'snapshot-failed',
      isRetryable: false,
    },
    {
      name: 'VSS writer, retryable',
      output: 'ERROR - Volume Shadow Copy Service operation error (0x800423F3)\r\n',
      fault: 'snapshot-failed',
      isRetryable: true,
    },
    {
      name: 'no room for the shadow copy on the target',
      output:
        'ERROR - There is not enough disk space to create the volume shadow copy on the storage location. (0x80780119)\r\n',
      fault: 'invalid-state',
      isRetryable: false,
    },
    {
      name: 'access denied',
      output: 'ERROR - Access is denied. (0x80070005)\r\n',
      fault: 'host-unreachable',
      isRetryable: false,
    },
    {
      name: 'no HRESULT: the exit code and wbadmin own words',
      output:
        'Summary of the backup operation:\r\n------------------\r\n\r\nThe backup operation stopped before completing.\r\n',
      fault: 'snapshot-failed',
      isRetryable: false,
    },
  ])('$name', ({ output, fault, isRetryable }) => {
    const error = wsbFailure('hv01 Windows Server Backup', 2, `${HEADER}${output}`);
    expect({ fault: error.faultCode, isRetryable: error.isRetryable }).toEqual({ fault, isRetryable });
    expect(error.message).toContain(errorTextOf(output));
  });

  it('reads the HRESULT as a signed number and keeps the error lines', () => {
    expect(hresultOf('failed (0x80780119).')).toBe(0x80780119 | 0);
    expect(hresultOf('no code')).toBeNull();
    expect(errorTextOf(`${HEADER}Retrieving volume information...\r\nERROR - one\r\nERROR - two\r\n`)).toBe(
      'ERROR - one ERROR - two',
    );
    expect(wsbFailure('restore', 1, 'ERROR - gone', 'invalid-state').faultCode).toBe('invalid-state');
  });
});
