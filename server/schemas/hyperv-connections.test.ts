import { describe, expect, it } from 'vitest';
import { setHypervWsbTargetInput } from './hyperv-connections';

describe('the Windows Server Backup target of a Hyper-V connection', () => {
  it.each([
    ['a volume', ' E: ', 'E:'],
    ['a share', '\\\\nas01\\backups', '\\\\nas01\\backups'],
    [
      'a folder of a share, with spaces',
      '\\\\nas01\\backups\\hv01 weekly',
      '\\\\nas01\\backups\\hv01 weekly',
    ],
  ])('takes %s', (_, target, saved) => {
    expect(setHypervWsbTargetInput.parse({ id: 'c1', wsbBackupTarget: target }).wsbBackupTarget).toBe(saved);
  });

  it.each([
    ['a name that is neither', 'backup disk', /Enter a volume \(E:\) or a share/],
    [
      'a double quote, which would end the argument wbadmin reads',
      '\\\\nas01\\backups" -allCritical',
      /double quote/,
    ],
    ['a line break', '\\\\nas01\\backups\n-allCritical', /control character/],
    ['a tab', '\\\\nas01\\backups\t-quiet', /control character/],
  ])('refuses %s, naming the field', (_, target, message) => {
    const result = setHypervWsbTargetInput.safeParse({ id: 'c1', wsbBackupTarget: target });
    expect(result.success).toBe(false);
    const issues = result.error?.issues ?? [];
    expect(issues.map((issue) => issue.path.join('.'))).toContain('wsbBackupTarget');
    expect(issues.map((issue) => issue.message).join(' ')).toMatch(message);
  });
});
