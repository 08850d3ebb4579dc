// Maelstrom's error codes (doc/protocol.md). Definite codes mean the operation
// did not happen and never will; the others are indefinite.

export enum ErrorCode {
  Timeout = 0,
  NodeNotFound = 1,
  NotSupported = 10,
  TemporarilyUnavailable = 11,
  MalformedRequest = 12,
  Crash = 13,
  Abort = 14,
  KeyDoesNotExist = 20,
  KeyAlreadyExists = 21,
  PreconditionFailed = 22,
  TxnConflict = 30,
}

const DEFINITE = new Set<number>([1, 10, 11, 12, 14, 20, 21, 22, 30]);

/** True when the code says the operation certainly did not take effect. */
export function isDefinite(code: number): boolean {
  return DEFINITE.has(code);
}
