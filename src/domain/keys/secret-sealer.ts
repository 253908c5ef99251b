import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Envelope encryption of what must be kept but never readable from a database backup alone
 * (signing private keys, webhook signing secrets, instance HMAC keys): AES-256-GCM under a
 * key-encryption key (KEK) that lives outside the database (docs/operations.md). Each sealed
 * value names the KEK that sealed it, so values sealed under a previous KEK still open while a
 * re-encryption to the new one runs.
 *
 * A sealed value is `kek1.<kek id>.<iv>.<ciphertext>.<tag>` (base64url parts). `context` says what
 * the value is for (a table, a column, a row id) and is authenticated with it, so a sealed value
 * copied onto another row or column does not open there.
 */
export interface KeyEncryptionKey {
  /** Derived from the key itself (see keyEncryptionKey): nothing to configure, nothing to mix up. */
  id: string;
  key: Buffer;
}

export interface SecretSealer {
  seal(plaintext: string, context: string): string;
  /** Throws SealedValueError when the value is not sealed, was sealed under an unknown KEK, or was altered. */
  open(sealed: string, context: string): string;
  isSealed(value: string): boolean;
  /** The id of the KEK new values are sealed under. */
  readonly currentKeyId: string;
  /** Whether a sealed value needs re-sealing under the current KEK. */
  sealedUnderCurrentKey(sealed: string): boolean;
}

export class SealedValueError extends Error {
  constructor(
    message: string,
    /** Why: not a sealed value at all, sealed under a KEK this server lacks (`keyId` names it), or altered / moved. */
    readonly reason: 'not-sealed' | 'unknown-key' | 'altered' = 'not-sealed',
    readonly keyId?: string,
  ) {
    super(message);
    this.name = 'SealedValueError';
  }
}

const FORMAT = 'kek1';
const IV_BYTES = 12;

export function keyEncryptionKey(key: Buffer): KeyEncryptionKey {
  if (key.length !== 32) throw new SealedValueError(`A key-encryption key must be 32 bytes (AES-256); this one is ${key.length}.`);
  return { id: createHash('sha256').update('ssobridge-kek-id\0').update(key).digest('base64url').slice(0, 12), key };
}

export function createSecretSealer(current: KeyEncryptionKey, previous: readonly KeyEncryptionKey[] = []): SecretSealer {
  const byId = new Map([current, ...previous].map((k) => [k.id, k]));
  const parse = (sealed: string) => {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== FORMAT) throw new SealedValueError('The value is not a sealed secret.');
    const [, keyId, iv, ciphertext, tag] = parts as [string, string, string, string, string];
    return { keyId, iv: Buffer.from(iv, 'base64url'), ciphertext: Buffer.from(ciphertext, 'base64url'), tag: Buffer.from(tag, 'base64url') };
  };
  return {
    currentKeyId: current.id,
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [FORMAT, current.id, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed, context) {
      const { keyId, iv, ciphertext, tag } = parse(sealed);
      const kek = byId.get(keyId);
      if (!kek) throw new SealedValueError(`The value was sealed under key-encryption key ${keyId}, which this server does not have (KEY_ENCRYPTION_KEY).`, 'unknown-key', keyId);
      try {
        // A full 16-byte tag only: a shortened one would be easier to forge.
        const decipher = createDecipheriv('aes-256-gcm', kek.key, iv, { authTagLength: 16 });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
      } catch {
        throw new SealedValueError(`A sealed value for ${context} does not open: it was altered, or moved from another row.`, 'altered', keyId);
      }
    },
    isSealed: (value) => value.startsWith(`${FORMAT}.`),
    sealedUnderCurrentKey: (sealed) => parse(sealed).keyId === current.id,
  };
}
