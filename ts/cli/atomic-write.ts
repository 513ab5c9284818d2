/**
 * The CLI's atomic writes (see `../node/atomic-write.ts`): static `node:` imports, failures as
 * {@link CliError}s (one line, exit code 1).
 * @module
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { atomicWrites } from '../node/atomic-write.js';
import { CliError } from './errors.js';

export type { AtomicFile } from '../node/atomic-write.js';

export const { openAtomic, checkWritable, writeFileAtomic } = atomicWrites(
  { fs, path, crypto },
  (message) => new CliError(message),
);
