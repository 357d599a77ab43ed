// Status codes returned instead of a length (shared with src/engine/keyspace.ts).
export const NOT_FOUND: i32 = -1;
export const WRONG_TYPE: i32 = -2;
export const NOT_INTEGER: i32 = -3;
export const OVERFLOW: i32 = -4;
export const CONDITION: i32 = -5;
export const TOO_LARGE: i32 = -6;
/** DECRBY -9223372036854775808: Redis's own "decrement would overflow" error. */
export const DECREMENT_OVERFLOW: i32 = -7;
/** COPY / MOVE onto the same key of the same db (Redis: "source and destination objects are the same"). */
export const SAME_KEY: i32 = -8;
/** restore() of bytes that are not a blob made by dump(). */
export const BAD_PAYLOAD: i32 = -9;
/** A string that is not a HyperLogLog (Redis: "WRONGTYPE Key is not a valid HyperLogLog string value."). */
export const NOT_HLL: i32 = -10;
/** A sparse HyperLogLog whose opcodes do not add up (Redis: "INVALIDOBJ Corrupted HLL object detected"). */
export const INVALID_HLL: i32 = -11;
/** PFDEBUG DECODE of a dense HyperLogLog ("HLL encoding is not sparse"). */
export const NOT_SPARSE: i32 = -12;

// strSet flags
export const SET_NX: i32 = 1;
export const SET_XX: i32 = 2;
export const SET_KEEPTTL: i32 = 4;
export const SET_GET: i32 = 8;
/** Store the bytes as text, never as the int encoding (INCRBYFLOAT: Redis's createStringObject
 * without tryObjectEncoding, so OBJECT ENCODING says embstr/raw). */
export const SET_KEEP_TEXT: i32 = 16;

// keySetExpire flags
export const EXPIRE_NX: i32 = 1;
export const EXPIRE_XX: i32 = 2;
export const EXPIRE_GT: i32 = 4;
export const EXPIRE_LT: i32 = 8;
