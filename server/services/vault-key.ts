/**
 * Where the vault key comes from: MIGAWKA_SECRET_KEY (base64, validated by server/config.ts) or a
 * key file — generated on first use with mode 0600 beside the database, unless MIGAWKA_SECRET_KEY_FILE
 * names another place. The file is read on every use (it is 45 bytes), so a server keeps working
 * after `migawka secrets rotate` replaced it from another process.
 *
 * Rotation writes the new key to `<key file>.new` (0600) BEFORE the database is re-sealed, and
 * renames it over the key file only after the re-seal committed: whichever step a crash
 * interrupts, the key the secrets are sealed under is on disk.
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { MigawkaConfig } from '../config';
import { generateVaultKey, VAULT_KEY_BYTES, type VaultKey, vaultKeyOf } from './vault-crypto';

export interface VaultKeySource {
  /** Where the key lives, as the operator should read it. */
  readonly location: string;
  /** The key, or null while none was ever generated (a key file not created yet). */
  read(): VaultKey | null;
  /** The key, generating the key file first when there is none. */
  readOrCreate(): VaultKey;
  /**
   * The key with this fingerprint among those this process can read: the current one, or the one a
   * rotation staged (a rotation that committed its re-seal but had not yet made its key current,
   * here or in another process; or, under MIGAWKA_SECRET_KEY, the new key waiting to be moved into
   * the variable). Null when it has neither.
   */
  find(keyId: string): VaultKey | null;
  /** Rotation, step 1: keeps the new key where a crash cannot lose it; returns where. */
  stage(next: VaultKey): string;
  /** Rotation, step 2 (after the re-seal committed): the new key becomes the current one. */
  commit(): RotationNotice;
  /** Rotation failed before the re-seal committed: forget the staged key. */
  abandon(): void;
}

/** What the operator must do after a rotation, and where the new key is. */
export interface RotationNotice {
  keyLocation: string;
  instructions: string;
}

export class VaultKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultKeyError';
  }
}

/** The process's key source: MIGAWKA_SECRET_KEY if set, else the key file (default: beside `databaseFile`). */
export function vaultKeySourceFor(secrets: MigawkaConfig['secrets'], databaseFile: string): VaultKeySource {
  const keyFile = secrets.keyFile ?? path.join(path.dirname(path.resolve(databaseFile)), 'secret.key');
  return secrets.key ? environmentKeySource(vaultKeyOf(secrets.key), keyFile) : keyFileSource(keyFile);
}

/** The key in a file of its own: base64 of 32 random bytes, mode 0600. */
export function keyFileSource(file: string): VaultKeySource {
  const pending = `${file}.new`;
  return {
    location: `the key file ${file}`,
    read: () => readKeyFile(file),
    readOrCreate() {
      const existing = readKeyFile(file);
      if (existing) return existing;
      createKeyFile(file, generateVaultKey());
      return readKeyFile(file) as VaultKey;
    },
    stage(next) {
      if (existsSync(pending)) throw unfinishedRotation(pending, file);
      writePrivateFile(pending, next);
      return pending;
    },
    commit() {
      renameSync(pending, file);
      return {
        keyLocation: file,
        instructions: `The new key is in ${file} (the previous key is gone). Back this file up now, apart from the database: database backups taken before this rotation need the previous key.`,
      };
    },
    abandon: () => rmSync(pending, { force: true }),
    // The current file again last: a rotation may rename the staged key into place between reads.
    find: (keyId) =>
      withId(
        keyId,
        () => readKeyFile(file),
        () => readStagedKey(pending),
        () => readKeyFile(file),
      ),
  };
}

/**
 * A staged key, or null when there is none or the file does not hold one: it is only ever looked
 * at for a key of a given fingerprint, and a file that is not a key (a left-over the next rotation
 * reports) holds no key of any.
 */
function readStagedKey(file: string): VaultKey | null {
  try {
    return readKeyFile(file);
  } catch (error) {
    if (error instanceof VaultKeyError) return null;
    throw error;
  }
}

/** The first key read with this fingerprint (readers in order, each read only if needed), or null. */
function withId(keyId: string, ...readers: (() => VaultKey | null)[]): VaultKey | null {
  for (const read of readers) {
    const key = read();
    if (key?.id === keyId) return key;
  }
  return null;
}

/**
 * The key from MIGAWKA_SECRET_KEY. A rotation cannot change the environment of the processes that
 * use it, so the new key is written to `<key file>.new` for the operator to move into the variable.
 */
export function environmentKeySource(key: VaultKey, keyFile: string): VaultKeySource {
  const pending = `${keyFile}.new`;
  return {
    location: 'MIGAWKA_SECRET_KEY',
    read: () => key,
    readOrCreate: () => key,
    stage(next) {
      if (existsSync(pending)) throw unfinishedRotation(pending, 'MIGAWKA_SECRET_KEY');
      writePrivateFile(pending, next);
      return pending;
    },
    commit: () => ({
      keyLocation: pending,
      instructions: `The new key is in ${pending}. Set MIGAWKA_SECRET_KEY to its content in every process (web server and workers) and restart them — until then they cannot read the secrets — then back the key up apart from the database and delete the file.`,
    }),
    abandon: () => rmSync(pending, { force: true }),
    find: (keyId) =>
      withId(
        keyId,
        () => key,
        () => readStagedKey(pending),
      ),
  };
}

/** A key that lives only as long as the process: for a private in-memory database and for tests. */
export function memoryKeySource(initial: VaultKey = generateVaultKey()): VaultKeySource {
  let current = initial;
  let staged: VaultKey | null = null;
  return {
    location: 'memory (this process only)',
    read: () => current,
    readOrCreate: () => current,
    stage(next) {
      staged = next;
      return 'memory';
    },
    commit() {
      if (staged) current = staged;
      staged = null;
      return { keyLocation: 'memory', instructions: 'The key lives in this process only.' };
    },
    abandon() {
      staged = null;
    },
    find: (keyId) =>
      withId(
        keyId,
        () => current,
        () => staged,
      ),
  };
}

function readKeyFile(file: string): VaultKey | null {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  if ((mode & 0o077) !== 0) {
    throw new VaultKeyError(
      `The vault key file ${file} can be read by other users (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${file}`,
    );
  }
  const text = readFileSync(file, 'utf8').trim();
  const bytes = Buffer.from(text, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || bytes.length !== VAULT_KEY_BYTES) {
    throw new VaultKeyError(
      `The vault key file ${file} does not hold a key: it must contain ${VAULT_KEY_BYTES} bytes in base64 (as \`openssl rand -base64 32\` prints).`,
    );
  }
  return vaultKeyOf(bytes);
}

/** Creates the key file atomically: written whole under a private name, then linked into place. */
function createKeyFile(file: string, key: VaultKey): void {
  const draft = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  writePrivateFile(draft, key);
  try {
    linkSync(draft, file);
  } catch (error) {
    // Another process created it first: its key wins, ours is discarded.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(draft, { force: true });
  }
}

function writePrivateFile(file: string, key: VaultKey): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${key.bytes.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
}

function unfinishedRotation(pending: string, current: string): VaultKeyError {
  return new VaultKeyError(
    `An unfinished key rotation left ${pending}. Run \`migawka secrets list\`: if the secrets' key id matches that file, it is the key in use (move it to ${current}); otherwise delete it. Then rotate again.`,
  );
}
