import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, decodeKeyEncryptionKey, type Config } from '../../config.js';
import { createSecretSealer, keyEncryptionKey, type SecretSealer } from './secret-sealer.js';

/** Where the embedded default keeps the key it generated (docs/operations.md: back it up apart from the database). */
export const GENERATED_KEK_FILE_NAME = 'key-encryption.key';

export interface KeyEncryption {
  sealer: SecretSealer;
  /** Where the current key came from; `dataFolderFile` when it is the embedded default's file. */
  source: 'environment' | 'file' | 'data-folder';
  /** The embedded default's key file, when the key is kept there. */
  dataFolderFile: string | undefined;
  /** True when this start generated that file (the first start without a configured key). */
  generated: boolean;
}

const MISSING_ON_POSTGRES =
  'is required with DATABASE_URL (PostgreSQL): every instance must seal and open secrets with the same key-encryption key, so none is generated. ' +
  'Set KEY_ENCRYPTION_KEY (32 random bytes in base64: openssl rand -base64 32) or KEY_ENCRYPTION_KEY_FILE, the same on every instance (docs/operations.md)';

const DATA_FOLDER_LABEL = 'KEY_ENCRYPTION_KEY (not set, so the data folder\'s key file)';

/**
 * Resolves the key-encryption key (KEK) at start: KEY_ENCRYPTION_KEY, else the file
 * KEY_ENCRYPTION_KEY_FILE names, else (embedded SQLite only) `<DATA_DIR>/key-encryption.key`,
 * generated on the first start with mode 0600. PostgreSQL never gets a generated key: instances
 * generating one each would not open each other's values. Errors name the variable, never the key.
 */
export function openKeyEncryption(config: Config, logger: Logger): KeyEncryption {
  const previous = config.keyEncryption.previous.map(keyEncryptionKey);
  const build = (key: Buffer, source: KeyEncryption['source'], dataFolderFile?: string, generated = false): KeyEncryption => ({
    sealer: createSecretSealer(keyEncryptionKey(key), previous),
    source,
    dataFolderFile,
    generated,
  });
  if (config.keyEncryption.key) return build(config.keyEncryption.key, 'environment');
  if (config.keyEncryption.file) return build(readKeyFile(config.keyEncryption.file, 'KEY_ENCRYPTION_KEY_FILE'), 'file');
  if (config.databaseUrl !== undefined) throw new ConfigError([`KEY_ENCRYPTION_KEY: ${MISSING_ON_POSTGRES}`]);

  const file = path.join(config.dataDir, GENERATED_KEK_FILE_NAME);
  if (fs.existsSync(file)) {
    if ((fs.statSync(file).mode & 0o077) !== 0) logger.warn({ file }, 'the key-encryption key file can be read by other users than its owner: chmod 600 it');
    return build(readKeyFile(file, DATA_FOLDER_LABEL), 'data-folder', file);
  }
  const key = randomBytes(32);
  fs.mkdirSync(config.dataDir, { recursive: true });
  try {
    // 'wx': a CLI command starting at the same moment keeps whichever file was written first.
    fs.writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return build(readKeyFile(file, DATA_FOLDER_LABEL), 'data-folder', file);
    throw error;
  }
  logger.warn({ file }, 'generated a key-encryption key in the data folder: back it up separately from the database (without it the database\'s signing keys and secrets do not open)');
  return build(key, 'data-folder', file, true);
}

function readKeyFile(file: string, name: string): Buffer {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`${name}: ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  const key = decodeKeyEncryptionKey(text);
  if (typeof key === 'string') throw new ConfigError([`${name}: the file's content ${key}`]);
  return key;
}
