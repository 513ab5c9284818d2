// Byte-identity of threaded training, f64 (the suite: bit-identity.ts).
import { describeBitIdentity } from './bit-identity.js';

describeBitIdentity('f64');
