/** src/crypto: the only importer of @noble/*: Linux-named algorithms, iproute2 key strings, IV generators and the seeded random source. */

export { type PreparedAead, prepareAead } from './aead.js';
export {
  AEAD_ALGORITHMS,
  type AeadAlgorithm,
  AUTH_ALGORITHMS,
  type AuthAlgorithm,
  ENC_ALGORITHMS,
  type EncAlgorithm,
  findAead,
  findAuth,
  findEnc,
  notModelled,
  type ResolvedAuth,
  resolveAead,
  resolveAuth,
  resolveEnc,
} from './algorithms.js';
export { type PreparedAuth, prepareAuth } from './auth.js';
export { type CryptoBackend, NATIVE_MIN_BYTES } from './backend.js';
export { type PreparedCipher, prepareCipher } from './cipher.js';
export { constantTimeEqual, wipe } from './constant-time.js';
export { echainivBlock, echainivIv, seqivIv } from './geniv.js';
export { KEYMAT_ERROR_EXIT_STATUS, KEYMAT_MAX_BYTES, type KeyStringResult, parseKeyString } from './key-string.js';
export { createRandom, type Random } from './random.js';
