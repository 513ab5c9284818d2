// Byte-identity of threaded training, f32 (the suite: bit-identity.ts).
import { describeBitIdentity } from './bit-identity.js';

describeBitIdentity('f32');
