/**
 * A fake EqualLogic group for the tests: a real SSH server (`ssh2`) on loopback whose shell speaks
 * the Group Manager CLI conversation — a banner, the `<group>> ` prompt, echo of every line, the
 * `cli-settings` switches (with confirmation on, restore and delete ask `(y/n) [n]` and wait; with
 * paging on, a long listing stops at `Press any key…`), and `% Error - …` lines for failures. The
 * volumes hold real bytes (in memory), so a snapshot, a clone and a restore can be checked.
 * The answer texts follow OpenStack Cinder's PS driver (cinder/volume/drivers/dell_emc/ps.py).
 * Volume collections (`collection create|show|select … add|show|snapshot create-now`) snapshot
 * every member volume at one instant; their answer texts are this fake's own (unverified).
 */
import type { AddressInfo } from 'node:net';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';
import { answerAtOnce, testKey } from '../../hyperv/fake/fake-windows-host';
import { eqlTargetName } from '../eql-naa';

const { Server } = ssh2;

/** Width of the Initiator column of `access show` (Cinder's fixture wraps an IQN after 29 characters). */
const INITIATOR_COLUMN = 29;

export interface FakeEqlVolume {
  name: string;
  sizeBytes: number;
  isOnline: boolean;
  data: Buffer;
  snapshots: Map<string, Buffer>;
  /** `create-now description <text>`: each snapshot's description, by name. */
  descriptions: Map<string, string>;
  /** The volume's iSCSI target name, in the group's shape (its NAA id is in the hex fields). */
  iscsiName: string;
  /** Access control records: which initiators may log in to the volume's target. */
  access: { id: number; initiator: string }[];
  pool: string;
  snapReservePercent: number;
  /** Fields (`Status`, `Snap-Reserve`) this volume's `show` leaves out, as a firmware that prints fewer. */
  showOmits: string[];
}

interface Settings {
  confirmation: boolean;
  paging: boolean;
}

export class FakeEqlGroup {
  readonly volumes = new Map<string, FakeEqlVolume>();
  /** Volume collections: name → member volume names. */
  readonly collections = new Map<string, string[]>();
  /** Every command line received, in order. */
  readonly commands: string[] = [];
  port = 0;
  /** The group's SSH host key (a replaced controller, or someone in the middle, shows another). */
  hostKey = testKey('host-b');
  /** Every authentication attempt, in order: who and how (never the password). */
  readonly logins: { username: string; method: string }[] = [];
  /** Commands that are read and never answered (a hung CLI). */
  readonly hangOn = new Set<string>();
  private server: InstanceType<typeof Server> | null = null;
  private readonly clients = new Set<Connection>();
  private snapshotCounter = 0;
  private volumeCounter = 0;
  private accessCounter = 0;

  constructor(
    readonly groupName = 'group1',
    readonly account = { username: 'grpadmin', password: 'eql-pass' },
    private readonly now: () => Date = () => new Date(Date.UTC(2026, 10, 24, 2, 0, 0)),
  ) {}

  addVolume(name: string, sizeBytes: number): FakeEqlVolume {
    this.volumeCounter += 1;
    const volume: FakeEqlVolume = {
      name,
      sizeBytes,
      isOnline: true,
      data: Buffer.alloc(sizeBytes),
      snapshots: new Map(),
      descriptions: new Map(),
      // The group id in the first fields, the volume's serial in the last one.
      iscsiName: eqlTargetName('c3e3e8c03', this.volumeCounter.toString(16).padStart(16, '0'), name),
      access: [],
      pool: 'default',
      snapReservePercent: 100,
      showOmits: [],
    };
    this.volumes.set(name, volume);
    return volume;
  }

  async start(port = 0): Promise<void> {
    const server = new Server({ hostKeys: [this.hostKey] }, (client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.end();
    this.clients.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Connection): void {
    answerAtOnce(client);
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
    client.on('error', () => {});
    client.on('authentication', (ctx) => {
      this.logins.push({ username: ctx.username, method: ctx.method });
      if (
        ctx.method === 'password' &&
        ctx.username === this.account.username &&
        ctx.password === this.account.password
      ) {
        ctx.accept();
      } else ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('pty', (acceptPty) => acceptPty?.());
        session.on('shell', (acceptShell) => this.converse(acceptShell()));
      });
    });
  }

  private converse(channel: ServerChannel): void {
    const settings: Settings = { confirmation: true, paging: true };
    const prompt = `${this.groupName}> `;
    let pending = '';
    let waitingFor: ((line: string) => void) | null = null;
    channel.write(`\r\nWelcome to Group Manager\r\n\r\nCopyright 2001-2016 Dell Inc.\r\n\r\n${prompt}`);
    channel.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let newline = pending.search(/[\r\n]/);
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1).replace(/^\n/, '');
        channel.write(`${line}\r\n`); // the terminal echoes
        if (waitingFor) {
          const answer = waitingFor;
          waitingFor = null;
          answer(line.trim());
        } else if (line.trim() === 'exit' || line.trim() === 'logout') {
          channel.close();
          return;
        } else if (line.trim() !== '') {
          this.commands.push(line.trim());
          if (this.hangOn.has(line.trim())) return;
          const reply = this.execute(line.trim(), settings);
          const finish = (lines: string[]) =>
            channel.write(`${lines.map((l) => `${l}\r\n`).join('')}${prompt}`);
          if (reply.confirm && settings.confirmation) {
            channel.write(`${reply.confirm} (y/n) [n]`);
            waitingFor = (answer) => finish(answer === 'y' ? reply.run() : ['Operation cancelled.']);
          } else if (settings.paging && reply.lines && reply.lines.length > 20) {
            channel.write(
              `${reply.lines
                .slice(0, 20)
                .map((l) => `${l}\r\n`)
                .join('')}Press any key to continue (Q to quit)`,
            );
            waitingFor = () => finish(reply.lines?.slice(20) ?? []);
          } else finish(reply.lines ?? reply.run());
        } else channel.write(prompt);
        newline = pending.search(/[\r\n]/);
      }
    });
  }

  private volume(name: string): FakeEqlVolume {
    const volume = this.volumes.get(name);
    if (!volume) throw new FakeEqlError(`% Error - Volume ${name} does not exist.`);
    return volume;
  }

  /** One CLI line → its answer; `confirm` when the real CLI asks before doing it. */
  private execute(
    line: string,
    settings: Settings,
  ): { lines?: string[]; confirm?: string; run: () => string[] } {
    const words = line.split(/\s+/);
    const done = (lines: string[]) => ({ lines, run: () => lines });
    try {
      if (line === 'stty columns 255') return done([]);
      const setting = /^cli-settings (confirmation|paging|events|formatoutput) (on|off)$/.exec(line);
      if (setting) {
        if (setting[1] === 'confirmation') settings.confirmation = setting[2] === 'on';
        if (setting[1] === 'paging') settings.paging = setting[2] === 'on';
        return done([]);
      }
      if (line === 'grpparams show') {
        return done([
          'Group-Information',
          `Name: ${this.groupName}`,
          'Group-Ipaddress: 192.0.2.10',
          'Def-Snap-Reserve: 100%',
        ]);
      }
      if (line === 'volume show') {
        return done(
          [...this.volumes.values()].map(
            (v) => `${v.name} ${v.sizeBytes / 1048576}MB 0 ${v.isOnline ? 'online' : 'offline'} read-write`,
          ),
        );
      }
      if (words[0] === 'collection') return done(this.collectionCommand(words.slice(1)));
      if (words[0] === 'volume' && words[1] === 'select' && words[2])
        return this.volumeCommand(this.volume(words[2]), words.slice(3), settings);
      if (words[0] === 'volume' && words[1] === 'delete' && words[2]) {
        const volume = this.volume(words[2]);
        if (volume.isOnline)
          throw new FakeEqlError('% Error - Volume must be offline before it can be deleted.');
        return {
          confirm: `Do you really want to delete the volume?`,
          run: () => {
            this.volumes.delete(volume.name);
            return ['Volume deletion succeeded.'];
          },
        };
      }
      return done([`% Error - Unrecognized command: ${words[0]}`]);
    } catch (error) {
      if (error instanceof FakeEqlError) return done([error.message]);
      throw error;
    }
  }

  /** `collection show | create <c> <vol> | select <c> add <vol> | show | snapshot create-now`. */
  private collectionCommand(words: string[]): string[] {
    const [verb, name, ...rest] = words;
    if (verb === 'show' && !name) {
      return [...this.collections].map(([collection, members]) => `${collection} ${members.length}`);
    }
    if (verb === 'create' && name && rest.length === 1) {
      this.volume(rest[0]);
      if (this.collections.has(name))
        throw new FakeEqlError(`% Error - Volume collection ${name} already exists.`);
      this.collections.set(name, [rest[0]]);
      return ['Volume collection creation succeeded.'];
    }
    const members = name ? this.collections.get(name) : undefined;
    if (verb !== 'select' || !name) return [`% Error - Unrecognized command: collection ${verb}`];
    if (!members) throw new FakeEqlError(`% Error - Volume collection ${name} does not exist.`);
    if (rest[0] === 'add' && rest[1]) {
      this.volume(rest[1]);
      if (!members.includes(rest[1])) members.push(rest[1]);
      return [];
    }
    if (rest[0] === 'show' && rest.length === 1) {
      return [`Name: ${name}`, ...members.map((member) => `Volume: ${member}`)];
    }
    if (rest[0] === 'snapshot' && rest[1] === 'create-now') {
      // One instant for every member: all copies are taken before anything else runs.
      const description = this.descriptionOf(rest.slice(2));
      this.snapshotCounter += 1;
      const stamp = this.now().toISOString().slice(0, 19).replace('T', '-');
      for (const member of members)
        this.takeSnapshot(this.volume(member), `${member}-${stamp}.${this.snapshotCounter}`, description);
      return [
        'Snapshot collection creation succeeded.',
        `Snapshot collection name is ${name}-${stamp}.${this.snapshotCounter}`,
      ];
    }
    return [`% Error - Unrecognized command: collection select ${name} ${rest.join(' ')}`];
  }

  /** `description <text>` after `create-now` (the text is one word here: the connector sends no spaces). */
  private descriptionOf(words: string[]): string | undefined {
    if (words.length === 0) return undefined;
    if (words[0] !== 'description' || words.length !== 2)
      throw new FakeEqlError(`% Error - Unrecognized command: create-now ${words.join(' ')}`);
    return words[1];
  }

  private takeSnapshot(volume: FakeEqlVolume, name: string, description: string | undefined): void {
    volume.snapshots.set(name, Buffer.from(volume.data));
    if (description !== undefined) volume.descriptions.set(name, description);
  }

  private volumeCommand(volume: FakeEqlVolume, rest: string[], _settings: Settings) {
    const done = (lines: string[]) => ({ lines, run: () => lines });
    const [verb, ...args] = rest;
    if (verb === 'show' && args.length === 0) {
      const lines = [
        `Name: ${volume.name}`,
        `Size: ${volume.sizeBytes / 1048576}MB`,
        `Status: ${volume.isOnline ? 'online' : 'offline'}`,
        `iSCSI Name: ${volume.iscsiName}`,
        `Pool: ${volume.pool}`,
        `Snap-Reserve: ${volume.snapReservePercent}%`,
        `Snapshots: ${volume.snapshots.size}`,
      ].filter((line) => !volume.showOmits.includes(line.slice(0, line.indexOf(':'))));
      return done([
        '_____________________________ Volume Information ______________________________',
        ...lines,
      ]);
    }
    if (verb === 'access') return done(this.accessCommand(volume, args));
    if (verb === 'offline' || verb === 'online') {
      volume.isOnline = verb === 'online';
      return done([]);
    }
    if (verb !== 'snapshot') return done([`% Error - Unrecognized command: ${verb}`]);
    const [action, ...more] = args;
    if (action === 'show')
      return done([...volume.snapshots.keys()].map((name) => `${name} ${this.now().toISOString()} online`));
    if (action === 'create-now') {
      const description = this.descriptionOf(more);
      this.snapshotCounter += 1;
      const stamp = this.now().toISOString().slice(0, 19).replace('T', '-');
      const name = `${volume.name}-${stamp}.${this.snapshotCounter}`;
      this.takeSnapshot(volume, name, description);
      // As the Proxmox EqualLogic plugins read it: a success line, then the name as its 4th word.
      return done(['Snapshot creation succeeded.', `Snapshot name is ${name}`]);
    }
    if (action === 'rename' && more.length === 2) {
      const data = volume.snapshots.get(more[0]);
      if (!data) throw new FakeEqlError(`% Error - Snapshot ${more[0]} does not exist.`);
      if (volume.snapshots.has(more[1]))
        throw new FakeEqlError(`% Error - Snapshot name ${more[1]} already exists.`);
      volume.snapshots.delete(more[0]);
      volume.snapshots.set(more[1], data);
      const description = volume.descriptions.get(more[0]);
      volume.descriptions.delete(more[0]);
      if (description !== undefined) volume.descriptions.set(more[1], description);
      return done([]);
    }
    if (action === 'delete' && more.length === 1) {
      if (!volume.snapshots.has(more[0]))
        throw new FakeEqlError(`% Error - Snapshot ${more[0]} does not exist.`);
      return {
        confirm: 'Do you really want to delete the snapshot?',
        run: () => {
          volume.snapshots.delete(more[0]);
          volume.descriptions.delete(more[0]);
          return ['Snapshot deletion succeeded.'];
        },
      };
    }
    if (action === 'select' && more.length >= 2) {
      const data = volume.snapshots.get(more[0]);
      if (!data) throw new FakeEqlError(`% Error - Snapshot ${more[0]} does not exist.`);
      if (more[1] === 'show' && more.length === 2) {
        return done([
          '_____________________________ Snapshot Information ____________________________',
          `Name: ${more[0]}`,
          `Description: ${volume.descriptions.get(more[0]) ?? ''}`,
          `Status: online`,
        ]);
      }
      if (more[1] === 'clone' && more[2]) {
        if (this.volumes.has(more[2]))
          throw new FakeEqlError(`% Error - Volume name ${more[2]} already exists.`);
        const clone = this.addVolume(more[2], volume.sizeBytes);
        data.copy(clone.data);
        clone.pool = volume.pool;
        return done(['Volume creation succeeded.', `iSCSI target name is ${clone.iscsiName}`]);
      }
      if (more[1] === 'restore') {
        if (volume.isOnline)
          throw new FakeEqlError('% Error - Volume must be offline to restore from a snapshot.');
        return {
          confirm: 'Do you really want to restore the volume from snapshot?',
          run: () => {
            data.copy(volume.data);
            return ['Snapshot restore operation succeeded.'];
          },
        };
      }
    }
    return done([`% Error - Unrecognized command: snapshot ${action}`]);
  }

  /**
   * `access create initiator <iqn>` | `access show` | `access delete <id>` (the verbs a public SAN
   * test library sends; the answer texts and the `show` columns are this fake's own, unverified,
   * except the wrapping of a long initiator name, which follows Cinder's PS driver tests).
   */
  private accessCommand(volume: FakeEqlVolume, args: string[]): string[] {
    if (args[0] === 'create' && args[1] === 'initiator' && args[2] && args.length === 3) {
      this.accessCounter += 1;
      volume.access.push({ id: this.accessCounter, initiator: args[2] });
      return ['Access control record creation succeeded.'];
    }
    if (args[0] === 'show' && args.length === 1) {
      return [
        'ID  Initiator                     Ipaddress       AuthMethod UserName   Apply-To',
        '--- ----------------------------- --------------- ---------- ---------- --------',
        ...volume.access.flatMap((record) => {
          // A name longer than the Initiator column goes on alone on the next lines, as the
          // group prints it (the two-line records OpenStack Cinder's PS driver parses).
          const parts = record.initiator.match(new RegExp(`.{1,${INITIATOR_COLUMN}}`, 'g')) ?? [''];
          const [head, ...rest] = parts;
          return [
            `${String(record.id).padEnd(3)} ${head.padEnd(INITIATOR_COLUMN)} *.*.*.*         none       -          both`,
            ...rest.map((part) => `    ${part}`),
          ];
        }),
      ];
    }
    if (args[0] === 'delete' && args[1] && args.length === 2) {
      const index = volume.access.findIndex((record) => String(record.id) === args[1]);
      if (index < 0) throw new FakeEqlError(`% Error - Access control record ${args[1]} does not exist.`);
      volume.access.splice(index, 1);
      return ['Access control record deletion succeeded.'];
    }
    return [`% Error - Unrecognized command: access ${args.join(' ')}`];
  }
}

class FakeEqlError extends Error {}
